"use client";

import { useState, type FormEvent } from "react";
import { Button } from "~/components/ui";

export function LoginForm({ next }: { next: string }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const value = new FormData(event.currentTarget).get("token");
    const token = typeof value === "string" ? value : "";
    try {
      const response = await fetch("/api/auth/login", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ token }) });
      if (response.ok) {
        window.location.assign(next);
        return;
      }
      const body = (await response.json().catch(() => ({}))) as { error?: string };
      setError(body.error ?? `Sign-in failed (${response.status}).`);
    } catch {
      setError("Wharf did not answer. Is ./wharf start still running?");
    } finally {
      setBusy(false);
    }
  }

  return (
    <form onSubmit={(event) => void submit(event)} className="mt-6 space-y-3">
      <label className="block text-sm font-medium" htmlFor="token">
        Access token
      </label>
      <input
        id="token"
        name="token"
        type="password"
        autoComplete="current-password"
        autoFocus
        required
        className="w-full rounded-md border border-line bg-panel px-3 py-2 font-mono text-sm focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none"
        placeholder="wharf_…"
      />
      {error && (
        <p role="alert" className="text-sm text-rose-700 dark:text-rose-300">
          {error}
        </p>
      )}
      <Button tone="primary" type="submit" disabled={busy} className="w-full">
        {busy ? "Signing in…" : "Sign in"}
      </Button>
    </form>
  );
}
