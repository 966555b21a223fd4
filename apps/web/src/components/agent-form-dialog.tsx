"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useId, useState, type FormEvent, type KeyboardEvent, type ReactNode } from "react";
import {
  emptyForm,
  formFromAgent,
  issuesByField,
  localIssues,
  rowKey,
  slugify,
  toUpsertInput,
  type AgentFormState,
  type AgentLike,
  type ApiKeyState,
  type SecretRow,
} from "~/lib/agent-form";
import { mcpServersInputSchema, nativeVars, type McpServerView } from "@wharf/api/schemas";
import { mcpInputFromRows, mcpRowsFromViews, type McpServerRow } from "~/lib/mcp-form";
import { errorMessage } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { McpServersEditor } from "./mcp-servers-editor";
import { Button, inputClass } from "./ui";

type Props = {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  /** The agent to edit; none to add one. */
  agent?: (AgentLike & { builtin: boolean; taskCount: number; mcpServers?: McpServerView[] }) | null;
};

export function AgentFormDialog({ open, onOpenChange, agent }: Props) {
  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40 backdrop-blur-[1px]" />
        <Dialog.Content className="fixed top-1/2 left-1/2 z-50 max-h-[92vh] w-[min(680px,calc(100vw-1.5rem))] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-xl border border-line bg-panel p-5 shadow-2xl">
          {/* Mounted per opening: the form starts from the agent as stored, secrets never prefilled. */}
          {open && <AgentForm agent={agent ?? null} onDone={() => onOpenChange(false)} />}
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}

function AgentForm({ agent, onDone }: { agent: Props["agent"]; onDone: () => void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mode = agent ? "edit" : "add";
  const builtin = agent?.builtin ?? false;
  const [state, setState] = useState<AgentFormState>(() => (agent ? formFromAgent(agent) : emptyForm()));
  const [idTouched, setIdTouched] = useState(mode === "edit");
  const [local, setLocal] = useState<Record<string, string>>({});
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [mcpRows, setMcpRows] = useState<McpServerRow[]>(() => mcpRowsFromViews(agent?.mcpServers ?? []));
  const [mcpLocal, setMcpLocal] = useState<Record<string, string>>({});
  const networkHint = useId();
  const maxRunningHint = useId();

  const done = async () => {
    await queryClient.invalidateQueries(trpc.agent.pathFilter());
    onDone();
  };
  const save = useMutation(trpc.agent.upsert.mutationOptions({ onSuccess: done }));
  const remove = useMutation(trpc.agent.delete.mutationOptions({ onSuccess: done }));
  // A field's message goes away once the field is edited; the next save checks again.
  const [edited, setEdited] = useState<ReadonlySet<string>>(new Set());
  const fieldErrors = Object.fromEntries(
    Object.entries({ ...issuesByField(save.error), ...local }).filter(([field]) => !edited.has(field) && !edited.has(field.split(".")[0]!)),
  );
  const zodFailed = Object.keys(issuesByField(save.error)).length > 0;

  const set = (patch: Partial<AgentFormState>) => {
    setState((s) => ({ ...s, ...patch }));
    const fields = Object.keys(patch).map((k) => fieldOf[k] ?? k);
    setEdited((e) => new Set([...e, ...fields]));
  };
  const setSecret = (key: number, patch: Partial<SecretRow>) => set({ secrets: state.secrets.map((r) => (r.key === key ? { ...r, ...patch } : r)) });
  const setApiKey = (patch: Partial<ApiKeyState>) => set({ apiKey: { ...state.apiKey, ...patch } });
  const native = state.transport === "native";

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (save.isPending) return;
    const issues = localIssues(state);
    setLocal(issues);
    setEdited(new Set());
    const mcpServers = mcpInputFromRows(mcpRows);
    const mcpChecked = mcpServersInputSchema.safeParse(mcpServers);
    const mcpIssues: Record<string, string> = {};
    for (const issue of mcpChecked.error?.issues ?? []) mcpIssues[["mcpServers", ...issue.path.map(String)].join(".")] ??= issue.message;
    setMcpLocal(mcpIssues);
    if (Object.keys(issues).length > 0 || Object.keys(mcpIssues).length > 0) return;
    save.mutate({ ...toUpsertInput(state, mode, builtin ? agent?.transport : undefined), mcpServers });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <form onSubmit={submit} onKeyDown={onKeyDown} className="grid gap-4" data-testid="agent-form" autoComplete="off">
      <div>
        <Dialog.Title className="text-lg font-semibold">{mode === "add" ? "Add agent" : `Edit ${agent?.name}`}</Dialog.Title>
        <Dialog.Description className="mt-0.5 text-sm text-muted">
          {builtin
            ? "Built in: Wharf sets how it is launched. You can give it environment variables and secrets, such as an API key."
            : native
              ? "Wharf's own coding agent, thinking with a model behind any OpenAI-compatible API: ollama, llama.cpp, vLLM or a hosted one. It runs in the task's worktree."
              : "Any program that speaks ACP over stdio, or a terminal program (PTY). It runs in the task's worktree."}
        </Dialog.Description>
      </div>

      <div className="grid gap-3 sm:grid-cols-2">
        <Field label="Name" error={fieldErrors.name}>
          <input
            autoFocus
            className={inputClass}
            value={state.name}
            onChange={(e) => set({ name: e.target.value, ...(idTouched ? {} : { id: slugify(e.target.value) }) })}
            placeholder="My agent"
            aria-invalid={Boolean(fieldErrors.name)}
          />
        </Field>
        <Field label="Id" hint={mode === "edit" ? "fixed" : "used by scripts"} error={fieldErrors.id}>
          <input
            className={`${inputClass} font-mono read-only:opacity-70`}
            value={state.id}
            readOnly={mode === "edit"}
            onChange={(e) => {
              setIdTouched(true);
              set({ id: e.target.value });
            }}
            placeholder="my-agent"
            aria-invalid={Boolean(fieldErrors.id)}
          />
        </Field>
      </div>

      <fieldset className="grid gap-1 text-sm" disabled={builtin}>
        <legend className="mb-1 font-medium">Transport</legend>
        <div role="radiogroup" className="inline-flex w-fit rounded-md ring-1 ring-line">
          {(["acp", "pty", "native"] as const).map((t) => (
            <label
              key={t}
              className={`cursor-pointer px-3 py-1.5 whitespace-nowrap first:rounded-l-md last:rounded-r-md focus-within:ring-2 focus-within:ring-accent ${state.transport === t ? "bg-accent text-accent-fg" : "text-muted hover:text-fg"} ${builtin ? "cursor-not-allowed opacity-70" : ""}`}
            >
              <input type="radio" name="transport" value={t} checked={state.transport === t} onChange={() => set({ transport: t })} className="sr-only" />
              {t === "acp" ? "ACP" : t === "pty" ? "PTY" : "Native"}
              {/* On a phone the short names fit on one line. */}
              <span className="max-sm:hidden"> ({t === "acp" ? "stdio" : t === "pty" ? "terminal" : "model API"})</span>
            </label>
          ))}
        </div>
        {fieldErrors.transport && <FieldError>{fieldErrors.transport}</FieldError>}
      </fieldset>

      {native ? (
        <NativeFields state={state} set={set} setApiKey={setApiKey} errors={fieldErrors} />
      ) : (
        <>
          <Field label="Command" hint="a name on PATH or an absolute path" error={fieldErrors.command}>
            <input
              className={`${inputClass} font-mono read-only:opacity-70`}
              value={state.command}
              readOnly={builtin}
              onChange={(e) => set({ command: e.target.value })}
              placeholder="/usr/local/bin/my-agent"
              aria-invalid={Boolean(fieldErrors.command)}
            />
          </Field>
          <Field label="Arguments" hint="one per line" error={fieldErrors.args}>
            <textarea
              className={`${inputClass} min-h-20 overflow-x-auto font-mono text-[13px] whitespace-pre read-only:opacity-70`}
              wrap="off"
              value={state.argsText}
              readOnly={builtin}
              onChange={(e) => set({ argsText: e.target.value })}
              placeholder={"acp\n--verbose"}
              rows={Math.min(6, Math.max(2, state.argsText.split("\n").length))}
            />
          </Field>
        </>
      )}

      <Section title="Environment" hint="passed to the agent as is; shown to anyone who can open Wharf" error={fieldErrors.env}>
        {state.env.map((row) => (
          <div key={row.key} className="grid gap-1">
            <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] gap-2">
              <input
                aria-label="Variable name"
                className={`${inputClass} font-mono`}
                value={row.name}
                onChange={(e) => set({ env: state.env.map((r) => (r.key === row.key ? { ...r, name: e.target.value } : r)) })}
                placeholder="NAME"
              />
              <input
                aria-label={`Value of ${row.name || "variable"}`}
                className={`${inputClass} font-mono`}
                value={row.value}
                onChange={(e) => set({ env: state.env.map((r) => (r.key === row.key ? { ...r, value: e.target.value } : r)) })}
                placeholder="value"
              />
              <Button tone="ghost" aria-label={`Remove ${row.name || "variable"}`} onClick={() => set({ env: state.env.filter((r) => r.key !== row.key) })}>
                ✕
              </Button>
            </div>
            {fieldErrors[`env.${row.name.trim()}`] && <FieldError>{fieldErrors[`env.${row.name.trim()}`]}</FieldError>}
          </div>
        ))}
        <Button className="w-fit" onClick={() => set({ env: [...state.env, { key: rowKey(), name: "", value: "" }] })}>
          + Add variable
        </Button>
      </Section>

      <Section title="Secrets" hint="write-only: stored for the agent, never shown again" error={fieldErrors.secretEnv}>
        {state.secrets.map((row) => (
          <div key={row.key} className="grid gap-1" data-testid="secret-row">
            <div className="grid grid-cols-[minmax(0,2fr)_minmax(0,3fr)_auto] items-center gap-2">
              {row.stored ? (
                <span className={`truncate px-1 font-mono text-sm ${row.action === "remove" ? "text-muted line-through" : ""}`}>{row.name}</span>
              ) : (
                <input
                  aria-label="Secret name"
                  className={`${inputClass} font-mono`}
                  value={row.name}
                  onChange={(e) => setSecret(row.key, { name: e.target.value })}
                  placeholder="API_KEY"
                />
              )}
              {row.stored && row.action !== "replace" ? (
                <span className="inline-flex items-center gap-1.5 text-sm text-muted">
                  <StoredStatus removing={row.action === "remove"} />
                </span>
              ) : (
                <input
                  type="password"
                  autoComplete="new-password"
                  aria-label={`Value of ${row.name || "secret"}`}
                  className={`${inputClass} font-mono`}
                  value={row.value}
                  onChange={(e) => setSecret(row.key, { value: e.target.value })}
                  placeholder={row.stored ? "new value" : "value"}
                  autoFocus={row.stored}
                />
              )}
              <div className="flex gap-1">
                {row.stored && row.action === "keep" && (
                  <Button tone="ghost" onClick={() => setSecret(row.key, { action: "replace" })} aria-label={`Replace ${row.name}`}>
                    Replace
                  </Button>
                )}
                {row.stored && row.action !== "keep" ? (
                  <Button tone="ghost" onClick={() => setSecret(row.key, { action: "keep", value: "" })} aria-label={`Keep ${row.name}`}>
                    Keep
                  </Button>
                ) : (
                  <Button
                    tone="ghost"
                    aria-label={`Remove ${row.name || "secret"}`}
                    onClick={() => (row.stored ? setSecret(row.key, { action: "remove" }) : set({ secrets: state.secrets.filter((r) => r.key !== row.key) }))}
                  >
                    {row.stored ? "Clear" : "✕"}
                  </Button>
                )}
              </div>
            </div>
            {fieldErrors[`secretEnv.${row.name.trim()}`] && <FieldError>{fieldErrors[`secretEnv.${row.name.trim()}`]}</FieldError>}
          </div>
        ))}
        <Button className="w-fit" onClick={() => set({ secrets: [...state.secrets, { key: rowKey(), name: "", value: "", stored: false, action: "keep" }] })}>
          + Add secret
        </Button>
      </Section>

      <Section title="MCP servers" hint="given to its sessions; they win over a project's of the same name">
        <McpServersEditor rows={mcpRows} onChange={setMcpRows} errors={{ ...mcpLocal, ...(fieldErrors.mcpServers ? { mcpServers: fieldErrors.mcpServers } : {}) }} />
      </Section>

      <label className="flex items-start gap-2 text-sm" data-testid="agent-network">
        <input
          type="checkbox"
          className="mt-0.5 size-4 shrink-0 accent-accent"
          checked={state.sandboxNetwork}
          onChange={(e) => set({ sandboxNetwork: e.target.checked })}
          aria-describedby={networkHint}
        />
        <span className="grid gap-0.5">
          <span className="font-medium">Network access</span>
          <span id={networkHint} className="text-muted">
            In the OS sandbox. Off: loopback only, so the agent and what it starts reach this machine (a local model) and nothing else.
          </span>
        </span>
      </label>

      <label className="grid gap-1 text-sm" data-testid="agent-max-running">
        <span className="font-medium">At most running at once, across all runners</span>
        <input
          type="number"
          min={1}
          inputMode="numeric"
          className={`${inputClass} w-32 tabular-nums`}
          placeholder="no cap"
          value={state.maxRunningText}
          onChange={(e) => set({ maxRunningText: e.target.value })}
          aria-describedby={maxRunningHint}
        />
        <span id={maxRunningHint} className="text-muted">
          Empty: each runner&apos;s own concurrency is the only limit. A number keeps this agent to that many tasks over the whole fleet; the rest wait queued.
        </span>
        {fieldErrors.maxRunning && <FieldError>{fieldErrors.maxRunning}</FieldError>}
      </label>

      {save.error && !zodFailed && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400" data-testid="agent-form-error">
          {errorMessage(save.error)}
        </p>
      )}
      {remove.error && (
        <p role="alert" className="text-sm text-rose-600 dark:text-rose-400" data-testid="agent-delete-error">
          {errorMessage(remove.error)}
        </p>
      )}

      <div className="sticky -bottom-5 -mx-5 -mb-5 flex flex-wrap items-center justify-end gap-2 rounded-b-xl border-t border-line bg-panel px-5 py-4">
        {mode === "edit" && !builtin && agent && (
          <div className="mr-auto flex items-center gap-2">
            {confirmDelete ? (
              <>
                <span className="text-sm">Delete {agent.name}?</span>
                <Button tone="danger" onClick={() => remove.mutate({ id: agent.id })} disabled={remove.isPending}>
                  {remove.isPending ? "Deleting…" : "Delete"}
                </Button>
                <Button tone="ghost" onClick={() => setConfirmDelete(false)}>
                  Keep
                </Button>
              </>
            ) : (
              <Button
                tone="ghost"
                className="text-rose-600 dark:text-rose-400"
                onClick={() => setConfirmDelete(true)}
                disabled={agent.taskCount > 0}
                title={agent.taskCount > 0 ? `Used by ${agent.taskCount} task${agent.taskCount === 1 ? "" : "s"}: it cannot be deleted.` : undefined}
              >
                Delete agent…
              </Button>
            )}
          </div>
        )}
        <span className="hidden text-xs text-muted sm:inline">
          <kbd className="rounded border border-line px-1">Ctrl</kbd>+<kbd className="rounded border border-line px-1">Enter</kbd> to save
        </span>
        <Dialog.Close asChild>
          <Button tone="ghost">Cancel</Button>
        </Dialog.Close>
        <Button tone="primary" type="submit" disabled={save.isPending}>
          {save.isPending ? "Saving…" : mode === "add" ? "Add agent" : "Save"}
        </Button>
      </div>
    </form>
  );
}

/** The field (as the API names it) that editing a piece of the form's state settles. */
const fieldOf: Record<string, string> = {
  argsText: "args",
  secrets: "secretEnv",
  baseUrl: `env.${nativeVars.baseUrl}`,
  model: `env.${nativeVars.model}`,
  apiKey: `secretEnv.${nativeVars.apiKey}`,
};

/** A native agent's endpoint, model(s) and API key, in place of a command. */
function NativeFields(props: {
  state: AgentFormState;
  set: (patch: Partial<AgentFormState>) => void;
  setApiKey: (patch: Partial<ApiKeyState>) => void;
  errors: Record<string, string>;
}) {
  const { state, set, setApiKey, errors } = props;
  const key = state.apiKey;
  const keyError = errors[`secretEnv.${nativeVars.apiKey}`] ?? errors[`env.${nativeVars.apiKey}`];
  const keyLabel = useId();
  return (
    <div className="grid gap-3 rounded-lg border border-line bg-raised/40 p-3" data-testid="native-fields">
      <Field label="Base URL" hint="up to /v1" error={errors[`env.${nativeVars.baseUrl}`]}>
        <input
          className={`${inputClass} font-mono`}
          value={state.baseUrl}
          onChange={(e) => set({ baseUrl: e.target.value })}
          placeholder="http://127.0.0.1:11434/v1"
          inputMode="url"
          spellCheck={false}
          aria-invalid={Boolean(errors[`env.${nativeVars.baseUrl}`])}
        />
      </Field>
      <Field label="Model" hint="several separated by commas; the first is the default" error={errors[`env.${nativeVars.model}`]}>
        <input
          className={`${inputClass} font-mono`}
          value={state.model}
          onChange={(e) => set({ model: e.target.value })}
          placeholder="qwen2.5-coder:7b"
          spellCheck={false}
          aria-invalid={Boolean(errors[`env.${nativeVars.model}`])}
        />
      </Field>
      <div className="grid gap-1 text-sm" data-testid="api-key">
        <span className="font-medium" id={keyLabel}>
          API key <span className="font-normal text-muted">(write-only; a local server needs none)</span>
        </span>
        <div className="flex items-center gap-2">
          {key.stored && key.action !== "replace" ? (
            <span className="inline-flex min-h-9 flex-1 items-center gap-1.5 px-1 text-sm text-muted" aria-labelledby={keyLabel}>
              <StoredStatus removing={key.action === "remove"} strike />
            </span>
          ) : (
            <input
              type="password"
              autoComplete="new-password"
              aria-labelledby={keyLabel}
              className={`${inputClass} flex-1 font-mono`}
              value={key.value}
              onChange={(e) => setApiKey({ value: e.target.value })}
              placeholder={key.stored ? "new key" : "none"}
              autoFocus={key.stored}
              aria-invalid={Boolean(keyError)}
            />
          )}
          {key.stored && key.action === "keep" && (
            <>
              <Button tone="ghost" onClick={() => setApiKey({ action: "replace" })} aria-label="Replace the API key">
                Replace
              </Button>
              <Button tone="ghost" onClick={() => setApiKey({ action: "remove" })} aria-label="Clear the API key">
                Clear
              </Button>
            </>
          )}
          {key.stored && key.action !== "keep" && (
            <Button tone="ghost" onClick={() => setApiKey({ action: "keep", value: "" })} aria-label="Keep the API key">
              Keep
            </Button>
          )}
        </div>
        {keyError && <FieldError>{keyError}</FieldError>}
      </div>
    </div>
  );
}

/**
 * What the page knows of a stored write-only value: that it is set, or that saving removes it.
 * `strike` strikes the words through where no name beside them is struck (the API key).
 */
function StoredStatus({ removing, strike = false }: { removing: boolean; strike?: boolean }) {
  if (removing) return strike ? <span className="line-through">will be removed</span> : "will be removed";
  return (
    <>
      <span className="size-1.5 rounded-full bg-emerald-500" aria-hidden /> set
    </>
  );
}

function Field({ label, hint, error, children }: { label: string; hint?: string; error?: string | undefined; children: ReactNode }) {
  return (
    <label className="grid content-start gap-1 text-sm">
      <span className="font-medium">
        {label} {hint && <span className="font-normal text-muted">({hint})</span>}
      </span>
      {children}
      {error && <FieldError>{error}</FieldError>}
    </label>
  );
}

function Section({ title, hint, error, children }: { title: string; hint: string; error?: string | undefined; children: ReactNode }) {
  return (
    <section className="grid gap-2" aria-label={title}>
      <div className="text-sm">
        <span className="font-medium">{title}</span> <span className="text-muted">· {hint}</span>
      </div>
      {children}
      {error && <FieldError>{error}</FieldError>}
    </section>
  );
}

function FieldError({ children }: { children: ReactNode }) {
  return (
    <span role="alert" className="text-xs text-rose-600 dark:text-rose-400">
      {children}
    </span>
  );
}
