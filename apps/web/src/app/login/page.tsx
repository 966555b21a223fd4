import { LoginForm } from "~/components/login-form";

export const metadata = { title: "Sign in · Wharf" };

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  const { next } = await searchParams;
  // Only local paths: a `next` pointing elsewhere would make this page an open redirect.
  const target = next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
  return (
    <div className="mx-auto mt-24 max-w-sm px-4">
      <h1 className="text-xl font-semibold">Sign in to Wharf</h1>
      <p className="mt-2 text-sm text-muted">
        Paste the access token. <code className="rounded bg-raised px-1">./wharf start</code> prints it the first time; it is stored in{" "}
        <code className="rounded bg-raised px-1">$WHARF_HOME/token</code>.
      </p>
      <LoginForm next={target} />
    </div>
  );
}
