import type { ReactNode } from "react";
import { env } from "~/env";
import { serverCaller } from "~/server/caller";

export const dynamic = "force-dynamic";

type Health = { ok: true; databaseMs: number } | { ok: false; error: string };

async function checkHealth(): Promise<Health> {
  try {
    const caller = await serverCaller();
    return await caller.health.check();
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

function Row({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="flex items-baseline justify-between gap-6 border-t border-slate-800 py-3 first:border-t-0">
      <dt className="text-sm text-slate-400">{label}</dt>
      <dd className="text-right font-mono text-sm text-slate-200">{children}</dd>
    </div>
  );
}

export default async function HomePage() {
  const health = await checkHealth();
  const home = env().home;
  return (
    <main className="mx-auto flex min-h-screen max-w-2xl flex-col justify-center px-6 py-16">
      <div className="mb-8 flex items-center gap-3">
        <div className="grid size-10 place-items-center rounded-lg bg-sky-500/15 text-xl text-sky-300 ring-1 ring-sky-400/30">⚓</div>
        <span className="text-lg font-semibold tracking-tight">Wharf</span>
      </div>

      <h1 className="text-4xl font-semibold tracking-tight">{health.ok ? "Wharf is running" : "Wharf is running, with a problem"}</h1>
      <p className="mt-3 text-slate-400">A self-hosted task board for coding agents.</p>

      <section className="mt-10 rounded-xl bg-slate-900/70 px-5 py-2 ring-1 ring-slate-800" aria-label="Status">
        <dl>
          <Row label="Web server">
            <span className="inline-flex items-center gap-2">
              <span className="size-2 rounded-full bg-emerald-400" aria-hidden />
              up
            </span>
          </Row>
          <Row label="Database">
            {health.ok ? (
              <span className="inline-flex items-center gap-2" data-testid="database-status">
                <span className="size-2 rounded-full bg-emerald-400" aria-hidden />
                connected · {health.databaseMs} ms
              </span>
            ) : (
              <span className="inline-flex items-center gap-2 text-rose-300" data-testid="database-status">
                <span className="size-2 rounded-full bg-rose-400" aria-hidden />
                {health.error}
              </span>
            )}
          </Row>
          <Row label="API">/api/trpc</Row>
          <Row label="Data directory">{home}</Row>
        </dl>
      </section>

      <p className="mt-6 text-sm text-slate-500">
        Scripts call the API with <code className="font-mono text-slate-300">Authorization: Bearer &lt;token&gt;</code>; the token is
        in <code className="font-mono text-slate-300">{home}/token</code>.
      </p>
    </main>
  );
}
