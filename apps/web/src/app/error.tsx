"use client";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <div className="mx-auto max-w-xl rounded-xl border border-rose-500/40 bg-panel p-6" role="alert">
      <h1 className="text-lg font-semibold">Something went wrong on this page</h1>
      <p className="mt-2 text-sm text-muted">
        {/* Server errors reach the browser without their message; say what to check instead. */}
        {error.digest ? "The server could not build this page. Check that Wharf's database is running (./wharf start) and see the web log." : error.message}
      </p>
      <button type="button" onClick={reset} className="mt-4 rounded-md bg-accent px-3 py-1.5 text-sm font-medium text-accent-fg">
        Try again
      </button>
    </div>
  );
}
