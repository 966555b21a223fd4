"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";
import { LiveBoardProvider, useLiveBoard } from "~/lib/live-board";
import { PermissionToasts } from "./permission-toasts";
import { ThemeToggle } from "./theme-toggle";

const nav = [
  { href: "/", label: "Board" },
  { href: "/projects", label: "Projects" },
  { href: "/agents", label: "Agents" },
];

function Header() {
  const pathname = usePathname();
  const { pendingCount, connected } = useLiveBoard();
  return (
    <header className="sticky top-0 z-30 border-b border-line bg-panel/90 backdrop-blur">
      <div className="mx-auto flex h-14 max-w-[1600px] items-center gap-2 px-3 sm:gap-4 sm:px-6">
        <Link href="/" className="flex items-center gap-2 font-semibold tracking-tight">
          <span className="grid size-7 place-items-center rounded-md bg-accent text-sm text-accent-fg" aria-hidden>
            ⚓
          </span>
          <span className="hidden sm:inline">Wharf</span>
        </Link>
        <nav className="ml-2 flex items-center gap-1 text-sm">
          {nav.map((item) => {
            const active = item.href === "/" ? pathname === "/" : pathname.startsWith(item.href);
            return (
              <Link
                key={item.href}
                href={item.href}
                className={`rounded-md px-2.5 py-1.5 ${active ? "bg-raised font-medium text-fg" : "text-muted hover:text-fg"}`}
              >
                {item.label}
              </Link>
            );
          })}
        </nav>
        <div className="ml-auto flex items-center gap-2">
          {pendingCount > 0 && (
            <Link
              href="/?column=needs_input"
              data-testid="pending-badge"
              className="inline-flex items-center gap-1.5 rounded-full bg-amber-500/15 px-2.5 py-1 text-xs font-medium text-amber-700 ring-1 ring-amber-500/40 dark:text-amber-300"
            >
              <span className="size-1.5 animate-pulse rounded-full bg-amber-500" aria-hidden />
              {pendingCount} waiting for you
            </Link>
          )}
          <span
            className={`size-2 rounded-full ${connected ? "bg-emerald-500" : "bg-slate-400"}`}
            title={connected ? "Live updates connected" : "Live updates connecting…"}
            aria-label={connected ? "Live updates connected" : "Live updates connecting"}
          />
          <ThemeToggle />
        </div>
      </div>
    </header>
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
