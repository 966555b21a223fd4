"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { Button, Notice, inputClass } from "./ui";
import { ForgeSettingsForm } from "./forge-settings-form";
import { WorkspaceSettingsForm } from "./workspace-settings-form";

export function ProjectsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const projects = useQuery(trpc.project.list.queryOptions());
  const [path, setPath] = useState("");
  const [url, setUrl] = useState("");
  const [name, setName] = useState("");
  const [editing, setEditing] = useState<string | null>(null);
  const [publishing, setPublishing] = useState<string | null>(null);
  const create = useMutation(
    trpc.project.create.mutationOptions({
      onSuccess: async () => {
        setPath("");
        setUrl("");
        setName("");
        await queryClient.invalidateQueries(trpc.project.list.queryFilter());
      },
    }),
  );
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate({ path: path.trim() || undefined, url: url.trim() || undefined, name: name.trim() || undefined });
  };

  return (
    <div className="mx-auto grid max-w-3xl gap-5">
      <div>
        <h1 className="text-xl font-semibold tracking-tight">Projects</h1>
        <p className="mt-1 text-sm text-muted">
          A project is a git repository: a path on this machine, a clone URL, or both. Agents work in worktrees of it; your checkout is only touched when you apply a change. Runners on
          other hosts work in their own clone of the URL.
        </p>
      </div>
      <form onSubmit={submit} className="grid gap-3 rounded-xl border border-line bg-panel p-4">
        <div className="grid gap-3 sm:grid-cols-2">
          <label className="grid gap-1 text-sm">
            <span className="font-medium">Repository path</span>
            <input className={`${inputClass} font-mono`} name="path" value={path} onChange={(e) => setPath(e.target.value)} placeholder="/home/me/src/my-app" />
          </label>
          <label className="grid gap-1 text-sm">
            <span className="font-medium">Clone URL <span className="font-normal text-muted">(for other hosts; alone: cloned here)</span></span>
            <input className={`${inputClass} font-mono`} name="url" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="git@github.com:me/my-app.git" />
          </label>
          <label className="grid gap-1 text-sm">
            <span className="font-medium">Name <span className="font-normal text-muted">(optional)</span></span>
            <input className={inputClass} name="name" value={name} onChange={(e) => setName(e.target.value)} placeholder="folder name" />
          </label>
        </div>
        {create.error && (
          <p role="alert" data-testid="project-error" className="text-sm text-rose-600 dark:text-rose-400">
            {errorMessage(create.error)}
          </p>
        )}
        <div className="flex justify-end">
          <Button tone="primary" type="submit" disabled={create.isPending || (!path.trim() && !url.trim())}>
            {create.isPending ? "Adding…" : "Add project"}
          </Button>
        </div>
      </form>

      {projects.error && <Notice tone="error" title="Projects could not be loaded">{errorMessage(projects.error)}</Notice>}
      {projects.data?.length === 0 && <Notice title="No projects yet">Add the absolute path of a git work tree, or a clone URL, above.</Notice>}
      <ul className="grid gap-2">
        {projects.data?.map((p) => (
          <li key={p.id} data-testid="project-row" className="grid gap-3 rounded-lg border border-line bg-panel px-4 py-3">
            <div className="flex flex-wrap items-center gap-x-4 gap-y-1">
              <span className="font-medium">{p.name}</span>
              <span className="min-w-0 flex-1 truncate font-mono text-xs text-muted" title={p.cloneUrl ?? undefined}>
                {p.repoManaged ? p.cloneUrl : p.repoPath}
                {!p.repoManaged && p.cloneUrl && <span className="ml-2">· {p.cloneUrl}</span>}
              </span>
              <span className="rounded-full bg-raised px-2 py-0.5 font-mono text-xs">{p.baseBranch}</span>
              <span className="text-xs text-muted">{workspaceSummary(p)}</span>
              <Button tone="ghost" aria-expanded={editing === p.id} onClick={() => setEditing(editing === p.id ? null : p.id)}>
                Workspace
              </Button>
              <Button tone="ghost" aria-expanded={publishing === p.id} onClick={() => setPublishing(publishing === p.id ? null : p.id)}>
                Publishing
              </Button>
            </div>
            {editing === p.id && <WorkspaceSettingsForm project={p} onDone={() => setEditing(null)} />}
            {publishing === p.id && <ForgeSettingsForm project={p} onDone={() => setPublishing(null)} />}
          </li>
        ))}
      </ul>
    </div>
  );
}

function workspaceSummary(p: { setupScript: string | null; copyFiles: string[]; services: unknown[]; wharfMcp: boolean; maxRunning: number | null }): string {
  const parts = [
    p.setupScript ? "setup" : null,
    p.copyFiles.length > 0 ? `${p.copyFiles.length} copied` : null,
    p.services.length > 0 ? `${p.services.length} service${p.services.length === 1 ? "" : "s"}` : null,
    p.wharfMcp ? "Wharf MCP" : null,
    p.maxRunning !== null ? `at most ${p.maxRunning} running` : null,
  ];
  return parts.filter(Boolean).join(" · ");
}
