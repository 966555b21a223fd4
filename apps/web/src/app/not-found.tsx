import Link from "next/link";

export default function NotFound() {
  return (
    <div className="mx-auto max-w-xl rounded-xl border border-line bg-panel p-6">
      <h1 className="text-lg font-semibold">Page not found</h1>
      <p className="mt-2 text-sm text-muted">There is nothing at this address.</p>
      <Link href="/" prefetch={false} className="mt-4 inline-block text-sm font-medium text-accent hover:underline">
        ← Back to the board
      </Link>
    </div>
  );
}
