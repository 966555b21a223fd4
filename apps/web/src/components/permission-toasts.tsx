"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { useTRPC } from "~/trpc/react";

type Toast = { id: string; taskId: string; title: string };

/** A toast for each new permission request, except on the page of the task that asks. */
export function PermissionToasts() {
  const trpc = useTRPC();
  const pathname = usePathname();
  const pending = useQuery(trpc.permission.pending.queryOptions({}, { staleTime: 5_000 }));
  const seen = useRef<Set<string> | null>(null);
  const [toasts, setToasts] = useState<Toast[]>([]);

  useEffect(() => {
    if (!pending.data) return;
    const ids = new Set(pending.data.map((p) => p.id));
    if (seen.current === null) {
      seen.current = ids;
      return;
    }
    const fresh = pending.data.filter((p) => !seen.current!.has(p.id) && pathname !== `/tasks/${p.taskId}`);
    seen.current = ids;
    setToasts((t) => [...t.filter((x) => ids.has(x.id)), ...fresh.map((p) => ({ id: p.id, taskId: p.taskId, title: p.title ?? "A tool call" }))]);
  }, [pending.data, pathname]);

  useEffect(() => {
    if (toasts.length === 0) return;
    const timer = setTimeout(() => setToasts((t) => t.slice(1)), 8_000);
    return () => clearTimeout(timer);
  }, [toasts]);

  if (toasts.length === 0) return null;
  return (
    <div className="fixed right-3 bottom-3 z-50 flex w-80 max-w-[calc(100vw-1.5rem)] flex-col gap-2" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className="rounded-lg border border-amber-500/40 bg-panel p-3 text-sm shadow-lg" data-testid="permission-toast">
          <div className="font-medium">An agent needs your permission</div>
          <div className="mt-0.5 truncate text-muted">{toast.title}</div>
          <div className="mt-2 flex gap-3">
            <Link href={`/tasks/${toast.taskId}`} prefetch={false} className="font-medium text-accent hover:underline">
              Answer
            </Link>
            <button type="button" className="text-muted hover:text-fg" onClick={() => setToasts((t) => t.filter((x) => x.id !== toast.id))}>
              Dismiss
            </button>
          </div>
        </div>
      ))}
    </div>
  );
}
