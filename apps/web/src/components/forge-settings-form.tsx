"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import { Button, inputClass, selectClass } from "./ui";

type Project = RouterOutputs["project"]["list"][number];

/**
 * Where a project's task branches go: the remote (empty: `origin`, else the only one) and the
 * forge pull requests are opened on (empty fields: read from the remote's URL). The token is
 * write-only: the form shows whether one is stored, and sends one only when a new one is typed.
 */
export function ForgeSettingsForm({ project, onDone }: { project: Project; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [remote, setRemote] = useState(project.remote ?? "");
  const [kind, setKind] = useState<"" | "github" | "gitlab">(project.forgeKind ?? "");
  const [apiUrl, setApiUrl] = useState(project.forgeApiUrl ?? "");
  const [forgeProject, setForgeProject] = useState(project.forgeProject ?? "");
  const [token, setToken] = useState("");
  const [clearToken, setClearToken] = useState(false);
  const save = useMutation(
    trpc.project.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.project.list.queryFilter());
        onDone();
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate({
      id: project.id,
      remote: remote.trim() || null,
      forgeKind: kind || null,
      forgeApiUrl: apiUrl.trim() || null,
      forgeProject: forgeProject.trim() || null,
      ...(token.trim() ? { forgeToken: token.trim() } : clearToken ? { forgeToken: null } : {}),
    });
  };
  return (
    <form onSubmit={submit} className="grid gap-3 border-t border-line pt-3" data-testid="forge-form">
      <div className="grid gap-3 sm:grid-cols-2">
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Remote</span>
          <input className={`${inputClass} font-mono`} value={remote} onChange={(e) => setRemote(e.target.value)} placeholder="origin" aria-label="Remote" />
        </label>
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Forge</span>
          <select className={selectClass} value={kind} onChange={(e) => setKind(e.target.value as "" | "github" | "gitlab")} aria-label="Forge">
            <option value="">From the remote&apos;s URL</option>
            <option value="github">GitHub</option>
            <option value="gitlab">GitLab</option>
          </select>
        </label>
        <label className="grid gap-1 text-sm">
          <span className="font-medium">API URL</span>
          <input className={`${inputClass} font-mono`} value={apiUrl} onChange={(e) => setApiUrl(e.target.value)} placeholder="https://api.github.com" aria-label="API URL" />
        </label>
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Repository on the forge</span>
          <input className={`${inputClass} font-mono`} value={forgeProject} onChange={(e) => setForgeProject(e.target.value)} placeholder="owner/repo" aria-label="Repository on the forge" />
        </label>
        <label className="grid gap-1 text-sm sm:col-span-2">
          <span className="font-medium">Token</span>
          <input
            className={`${inputClass} font-mono`}
            type="password"
            autoComplete="off"
            value={token}
            onChange={(e) => setToken(e.target.value)}
            placeholder={project.hasForgeToken ? "set — type to replace" : "a token that may push and open pull requests"}
            aria-label="Token"
          />
          {project.hasForgeToken && (
            <span className="flex items-center gap-2 text-xs text-muted">
              <input type="checkbox" checked={clearToken} onChange={(e) => setClearToken(e.target.checked)} aria-label="Remove the stored token" /> Remove the stored token
            </span>
          )}
        </label>
      </div>
      {save.error && (
        <p role="alert" data-testid="forge-error" className="text-sm text-rose-600 dark:text-rose-400">
          {errorMessage(save.error)}
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button tone="ghost" type="button" onClick={onDone}>
          Cancel
        </Button>
        <Button tone="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save publishing"}
        </Button>
      </div>
    </form>
  );
}
