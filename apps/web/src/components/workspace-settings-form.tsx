"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { maxRunningInput, mcpServersInputSchema, workspaceSettingsPatchSchema, type McpServerView, type ServiceSpec } from "@wharf/api/schemas";
import { useState, type FormEvent } from "react";
import { errorMessage } from "~/lib/format";
import { mcpInputFromRows, mcpRowsFromViews, type McpServerRow } from "~/lib/mcp-form";
import { useTRPC } from "~/trpc/react";
import { McpServersEditor } from "./mcp-servers-editor";
import { Button, inputClass } from "./ui";

type Project = {
  id: string;
  setupScript: string | null;
  teardownScript: string | null;
  copyFiles: string[];
  services: ServiceSpec[];
  setupTimeoutSeconds: number;
  mcpServers: McpServerView[];
  wharfMcp: boolean;
  maxRunning: number | null;
};

type ServiceRow = { name: string; command: string; ports: string };

/** Field → message, from a zod issue path such as ["services", 0, "name"] → "services.0.name". */
type FieldErrors = Record<string, string>;

function issuesToErrors(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of issues) {
    const key = issue.path.map(String).join(".") || "form";
    errors[key] ??= issue.message;
  }
  return errors;
}

/** Zod issues the API sent back with a BAD_REQUEST (see the error formatter in packages/api). */
function serverIssues(error: unknown): FieldErrors | null {
  const data = error && typeof error === "object" && "data" in error ? (error as { data?: { zodIssues?: unknown } }).data : undefined;
  const issues = data?.zodIssues;
  if (!Array.isArray(issues)) return null;
  return issuesToErrors(issues as Array<{ path: PropertyKey[]; message: string }>);
}

const textareaClass = `${inputClass} font-mono text-xs leading-5`;

function FieldError({ errors, name }: { errors: FieldErrors; name: string }) {
  const message = errors[name];
  if (!message) return null;
  return (
    <span role="alert" data-testid={`error-${name}`} className="text-xs text-rose-600 dark:text-rose-400">
      {message}
    </span>
  );
}

/**
 * A project's workspace settings: setup and teardown scripts, git-ignored files copied into each
 * worktree, and services. Checked with the API's own schema before sending; the API's answer is
 * shown next to the field it is about.
 */
export function WorkspaceSettingsForm({ project, onDone }: { project: Project; onDone(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [setupScript, setSetupScript] = useState(project.setupScript ?? "");
  const [teardownScript, setTeardownScript] = useState(project.teardownScript ?? "");
  const [copyFiles, setCopyFiles] = useState(project.copyFiles.join("\n"));
  const [timeout, setTimeoutSeconds] = useState(String(project.setupTimeoutSeconds));
  const [maxRunningText, setMaxRunningText] = useState(project.maxRunning === null ? "" : String(project.maxRunning));
  const [services, setServices] = useState<ServiceRow[]>(project.services.map((s) => ({ name: s.name, command: s.command, ports: String(s.ports) })));
  const [mcpRows, setMcpRows] = useState<McpServerRow[]>(() => mcpRowsFromViews(project.mcpServers));
  const [wharfMcp, setWharfMcp] = useState(project.wharfMcp);
  const [errors, setErrors] = useState<FieldErrors>({});
  const update = useMutation(
    trpc.project.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.project.list.queryFilter());
        onDone();
      },
      onError: (error) => setErrors(serverIssues(error) ?? { form: errorMessage(error) }),
    }),
  );

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const patch = {
      setupScript: setupScript.trim() ? setupScript : null,
      teardownScript: teardownScript.trim() ? teardownScript : null,
      copyFiles: copyFiles.split("\n").map((l) => l.trim()).filter(Boolean),
      services: services.filter((s) => s.name.trim() || s.command.trim()).map((s) => ({ name: s.name.trim(), command: s.command, ports: Number(s.ports) || 1 })),
      setupTimeoutSeconds: Number(timeout),
    };
    const mcpServers = mcpInputFromRows(mcpRows);
    const maxRunning = maxRunningText.trim() === "" ? null : Number(maxRunningText.trim());
    const checked = workspaceSettingsPatchSchema.safeParse(patch);
    const mcpChecked = mcpServersInputSchema.safeParse(mcpServers);
    const capChecked = maxRunningInput.safeParse(maxRunning);
    if (!checked.success || !mcpChecked.success || !capChecked.success) {
      setErrors({
        ...(checked.success ? {} : issuesToErrors(checked.error.issues)),
        ...(capChecked.success ? {} : issuesToErrors(capChecked.error.issues.map((i) => ({ ...i, path: ["maxRunning"] })))),
        ...(mcpChecked.success ? {} : issuesToErrors(mcpChecked.error.issues.map((i) => ({ ...i, path: ["mcpServers", ...i.path] })))),
      });
      return;
    }
    setErrors({});
    update.mutate({ id: project.id, ...patch, mcpServers, wharfMcp, maxRunning });
  };

  const setService = (i: number, change: Partial<ServiceRow>) => setServices((rows) => rows.map((row, j) => (j === i ? { ...row, ...change } : row)));

  return (
    <form onSubmit={submit} data-testid="workspace-form" className="grid gap-4 border-t border-line pt-3" aria-label="Workspace settings">
      <div className="grid gap-4 md:grid-cols-2">
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Setup script</span>
          <span className="text-xs text-muted">Runs with sh in each new worktree before the agent starts. $WHARF_CACHE_DIR is shared by the project's worktrees.</span>
          <textarea name="setupScript" rows={5} className={textareaClass} value={setupScript} onChange={(e) => setSetupScript(e.target.value)} placeholder="npm ci --prefer-offline" spellCheck={false} />
          <FieldError errors={errors} name="setupScript" />
        </label>
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Teardown script</span>
          <span className="text-xs text-muted">Runs before a worktree is removed (at most 60 s; never blocks the removal).</span>
          <textarea name="teardownScript" rows={5} className={textareaClass} value={teardownScript} onChange={(e) => setTeardownScript(e.target.value)} placeholder="docker compose down" spellCheck={false} />
          <FieldError errors={errors} name="teardownScript" />
        </label>
        <label className="grid gap-1 text-sm">
          <span className="font-medium">Files to copy</span>
          <span className="text-xs text-muted">Git-ignored files from your checkout, one path or glob per line. Never part of the change.</span>
          <textarea name="copyFiles" rows={3} className={textareaClass} value={copyFiles} onChange={(e) => setCopyFiles(e.target.value)} placeholder={".env\nconfig/*.key"} spellCheck={false} />
          <FieldError errors={errors} name="copyFiles" />
          {Object.entries(errors)
            .filter(([key]) => key.startsWith("copyFiles."))
            .slice(0, 1)
            .map(([key, message]) => (
              <span key={key} role="alert" data-testid="error-copyFiles" className="text-xs text-rose-600 dark:text-rose-400">
                Line {Number(key.split(".")[1]) + 1}: {message}
              </span>
            ))}
        </label>
        <label className="grid content-start gap-1 text-sm">
          <span className="font-medium">Setup time limit (seconds)</span>
          <span className="text-xs text-muted">A setup that runs longer fails the task.</span>
          <input name="setupTimeoutSeconds" type="number" min={1} className={`${inputClass} w-32`} value={timeout} onChange={(e) => setTimeoutSeconds(e.target.value)} />
          <FieldError errors={errors} name="setupTimeoutSeconds" />
        </label>
        <label className="grid content-start gap-1 text-sm">
          <span className="font-medium">Running at once</span>
          <span className="text-xs text-muted">At most this many of the project&apos;s tasks run at the same time, over every runner. Empty: no limit.</span>
          <input name="maxRunning" type="number" min={1} className={`${inputClass} w-32`} value={maxRunningText} onChange={(e) => setMaxRunningText(e.target.value)} placeholder="no limit" />
          <FieldError errors={errors} name="maxRunning" />
        </label>
      </div>

      <fieldset className="grid gap-2">
        <legend className="text-sm font-medium">Services</legend>
        <p className="text-xs text-muted">Long-running commands you start from a task&apos;s page. Each start gets free ports as $PORT and $PORT_&lt;NAME&gt;.</p>
        {services.map((service, i) => (
          <div key={i} data-testid="service-row" className="grid gap-2 sm:grid-cols-[10rem_1fr_5rem_auto] sm:items-start">
            <div className="grid gap-1">
              <input aria-label={`Service ${i + 1} name`} name={`service-name-${i}`} className={`${inputClass} font-mono`} value={service.name} onChange={(e) => setService(i, { name: e.target.value })} placeholder="web" />
              <FieldError errors={errors} name={`services.${i}.name`} />
            </div>
            <div className="grid gap-1">
              <input aria-label={`Service ${i + 1} command`} name={`service-command-${i}`} className={`${inputClass} font-mono`} value={service.command} onChange={(e) => setService(i, { command: e.target.value })} placeholder="npm run dev -- --port $PORT" />
              <FieldError errors={errors} name={`services.${i}.command`} />
            </div>
            <input aria-label={`Service ${i + 1} ports`} type="number" min={1} max={8} className={inputClass} value={service.ports} onChange={(e) => setService(i, { ports: e.target.value })} title="How many ports" />
            <Button tone="ghost" aria-label={`Remove service ${i + 1}`} onClick={() => setServices((rows) => rows.filter((_, j) => j !== i))}>
              Remove
            </Button>
          </div>
        ))}
        <FieldError errors={errors} name="services" />
        <div>
          <Button onClick={() => setServices((rows) => [...rows, { name: "", command: "", ports: "1" }])}>Add service</Button>
        </div>
      </fieldset>

      <fieldset className="grid gap-2">
        <legend className="text-sm font-medium">MCP servers</legend>
        <p className="text-xs text-muted">
          Given to the agent of each task of this project when its session starts (an agent&apos;s own server of the same name wins). http and sse servers reach only agents that take them; the task says when one does not.
        </p>
        <McpServersEditor rows={mcpRows} onChange={setMcpRows} errors={errors} />
        <label className="mt-1 flex items-start gap-2 text-sm">
          <input type="checkbox" name="wharfMcp" className="mt-0.5 h-4 w-4 accent-sky-600" checked={wharfMcp} onChange={(e) => setWharfMcp(e.target.checked)} />
          <span className="grid gap-0.5">
            <span className="font-medium">Wharf MCP server</span>
            <span className="text-xs text-muted">
              Lets each task&apos;s agent create and follow subtasks of its own task (tools create_subtask, list_tasks, get_task, wait_for_task), with a token that works only for that task and only until it ends. The agent needs network in its sandbox to reach Wharf.
            </span>
          </span>
        </label>
      </fieldset>

      <FieldError errors={errors} name="form" />
      <div className="flex justify-end gap-2">
        <Button tone="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button tone="primary" type="submit" disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save workspace"}
        </Button>
      </div>
    </form>
  );
}
