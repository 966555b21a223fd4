import type { TaskState } from "@wharf/api";
import type { ButtonHTMLAttributes, ReactNode } from "react";
import { stateLabel, stateTone } from "~/lib/format";

const buttonTones = {
  primary: "bg-accent text-accent-fg hover:opacity-90",
  secondary: "bg-panel text-fg ring-1 ring-line hover:bg-raised",
  danger: "bg-rose-600 text-white hover:bg-rose-500",
  ghost: "text-muted hover:bg-raised hover:text-fg",
} as const;

export function Button({ tone = "secondary", className = "", ...props }: ButtonHTMLAttributes<HTMLButtonElement> & { tone?: keyof typeof buttonTones }) {
  return (
    <button
      type="button"
      {...props}
      className={`inline-flex items-center justify-center gap-1.5 rounded-md px-3 py-1.5 text-sm font-medium transition focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-50 ${buttonTones[tone]} ${className}`}
    />
  );
}

export function StateBadge({ state }: { state: TaskState }) {
  return (
    <span data-testid="state-badge" className={`inline-flex items-center rounded-full px-2 py-0.5 text-xs font-medium ring-1 ${stateTone[state]}`}>
      {stateLabel[state]}
    </span>
  );
}

/** A message that says what happened and what to do, instead of a blank screen. */
export function Notice({ tone = "info", title, children, action }: { tone?: "info" | "error"; title: string; children?: ReactNode; action?: ReactNode }) {
  return (
    <div
      role={tone === "error" ? "alert" : undefined}
      className={`rounded-lg border p-4 text-sm ${tone === "error" ? "border-rose-500/40 bg-rose-500/5" : "border-line bg-panel"}`}
    >
      <div className={`font-medium ${tone === "error" ? "text-rose-700 dark:text-rose-300" : ""}`}>{title}</div>
      {children && <div className="mt-1 text-muted">{children}</div>}
      {action && <div className="mt-3">{action}</div>}
    </div>
  );
}

export const selectClass =
  "rounded-md border border-line bg-panel px-2.5 py-1.5 text-sm text-fg focus:border-accent focus:ring-1 focus:ring-accent focus:outline-none";

export const inputClass =
  "w-full rounded-md border border-line bg-panel px-2.5 py-1.5 text-sm text-fg placeholder:text-muted focus:border-accent focus:ring-1 focus:ring-accent focus:outline-none";
