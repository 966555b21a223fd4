"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { LiveBoardProvider, useLiveBoard } from "~/lib/live-board";
import { NotificationToggle } from "~/lib/notifications";
import { PermissionToasts } from "./permission-toasts";
import { ThemeToggle } from "./theme-toggle";

const nav = [
  { href: "/", label: "Board" },
  { href: "/projects", label: "Projects" },
  { href: "/agents", label: "Agents" },
  { href: "/runners", label: "Runners" },
];

function Header() {
  const pathname = usePathname();
  const { pendingCount, connected, databaseDown } = useLiveBoard();
  const dot = databaseDown ? "bg-rose-500" : connected ? "bg-emerald-500" : "bg-slate-400";
  const dotLabel = databaseDown ? "Live updates paused: the database is unreachable" : connected ? "Live updates connected" : "Live updates connecting";
  return (
    <header className="sticky top-0 z-30 border-b border-line bg-panel/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-2 px-3 sm:gap-4 sm:px-6">
        {/* No prefetch in the header: on every page load it rendered all four pages on the server
            while the page itself was still asking for its data. */}
        <Link href="/" prefetch={false} className="flex items-center gap-2 font-semibold tracking-tight">
          <span className="grid size-7 place-items-center rounded-md bg-accent text-sm text-accent-fg" aria-hidden>
            ⚓
          </span>
          <span className="hidden sm:inline">Wharf</span>
        </Link>
        {/* On a phone the links scroll sideways rather than widen the page. */}
        <nav className="flex min-w-0 items-center gap-0.5 overflow-x-auto text-sm whitespace-nowrap sm:ml-2 sm:gap-1">
          {nav.map((item) => {
            const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
            return (
              <Link
                key={item.href}
                href={item.href}
                prefetch={false}
                className={`rounded-md px-2 py-1.5 sm:px-2.5 ${active ? "bg-raised font-medium text-fg" : "text-muted hover:text-fg"}`}
              >
                {item.label}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex shrink-0 items-center gap-2">
          {pendingCount > 0 && (
            <Link
              href="/?column=needs_input"
              prefetch={false}
              data-testid="pending-badge"
              className="inline-flex items-center gap-1.5 rounded-full bg-amber-500/15 px-2.5 py-1 text-xs font-medium text-amber-700 ring-1 ring-amber-500/40 dark:text-amber-300"
            >
              <span className="size-1.5 animate-pulse rounded-full bg-amber-500" aria-hidden />
              {pendingCount} waiting for you
            </Link>
          )}
          <span className={`size-2 rounded-full ${dot}`} title={dotLabel} aria-label={dotLabel} data-testid="live-dot" />
          <NotificationToggle />
          <ThemeToggle />
        </div>
      </div>
      {databaseDown && <DatabaseDownBanner message={databaseDown} />}
    </header>
  );
}

/**
 * Shown on every page while the server cannot reach its database. The page keeps what it has;
 * the live streams reconnect by themselves and the banner goes once the database answers.
 */
function DatabaseDownBanner({ message }: { message: string }) {
  // The server's message names the cause in brackets; the headline says what it means here.
  const cause = /\(([^)]*)\)/.exec(message)?.[1];
  return (
    <div role="alert" data-testid="database-down" className="border-t border-rose-500/30 bg-rose-500/10">
      <div className="mx-auto flex max-w-[1600px] flex-wrap items-center gap-x-3 gap-y-1 px-3 py-2 text-sm sm:px-6">
        <span className="relative flex size-2.5" aria-hidden>
          <span className="absolute inline-flex size-full animate-ping rounded-full bg-rose-500 opacity-60" />
          <span className="relative inline-flex size-2.5 rounded-full bg-rose-500" />
        </span>
        <span className="font-medium text-rose-700 dark:text-rose-300">Wharf cannot reach its database.</span>
        <span className="text-muted">
          Live updates are paused and resume by themselves once it is back; what you see may be out of date. Running agents keep working.
        </span>
        {cause && <span className="font-mono text-xs text-muted">{cause}</span>}
      </div>
    </div>
  );
}

export function AppShell({ children }: { children: ReactNode }) {
  // The sign-in page has no session yet: no live board, no toasts.
  if (usePathname() === "/login") return <main className="min-h-screen">{children}</main>;
  return (
    <LiveBoardProvider>
      <Header />
      <main className="mx-auto w-full max-w-[1600px] px-3 py-4 sm:px-6 sm:py-6">{children}</main>
      <PermissionToasts />
    </LiveBoardProvider>
  );
}
