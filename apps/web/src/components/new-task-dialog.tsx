"use client";

import * as Dialog from "@radix-ui/react-dialog";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent, type KeyboardEvent } from "react";
import { agentChoices } from "~/lib/capabilities";
import { errorMessage, taskTitle } from "~/lib/format";
import { useTRPC } from "~/trpc/react";
import { AttemptRows, newAttempt, type AttemptDraft } from "./attempt-rows";
import { OptionField } from "./option-field";
import { PromptInput } from "./prompt-input";
import { Button, inputClass } from "./ui";
import { invalidateBoard } from "~/lib/live-board";

/**
 * The New task dialog. With `parent` it makes a subtask of that task (in its project). Either way
 * the task may wait for other unfinished tasks of its project ("Waits for"): it is then blocked
 * until each reaches review, applied or completed.
 */
export function NewTaskDialog({
  open,
  onOpenChange,
  defaultProjectId,
  parent,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  defaultProjectId?: string;
  parent?: { id: string; projectId: string; title: string };
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const projects = useQuery(trpc.project.list.queryOptions());
  const agents = useQuery(trpc.agent.list.queryOptions());
  const [projectId, setProjectId] = useState(defaultProjectId ?? "");
  const [agentId, setAgentId] = useState("");
  const [model, setModel] = useState("");
  const [mode, setMode] = useState("");
  const [prompt, setPrompt] = useState("");
  const [dependsOn, setDependsOn] = useState<string[]>([]);
  /** "Compare agents": the attempts the prompt runs as; null for one task. */
  const [attempts, setAttempts] = useState<AttemptDraft[] | null>(null);
  const opened = (href: string) => async () => {
    await invalidateBoard(queryClient, trpc);
    onOpenChange(false);
    router.push(href);
  };
  const createOne = useMutation(trpc.task.create.mutationOptions({ onSuccess: (task) => opened(`/tasks/${task.id}`)() }));
  const createMany = useMutation(trpc.task.createAttempts.mutationOptions({ onSuccess: (group) => opened(`/compare/${group.groupId}`)() }));
  const create = attempts === null ? createOne : createMany;

  const project = parent?.projectId ?? (projectId || projects.data?.[0]?.id || "");
  // Tasks a new one may wait for: the project's unfinished ones (finished ones are met or lost already).
  const candidates = useQuery(
    trpc.task.list.queryOptions({ projectId: project, states: ["blocked", "queued", "running", "needs_input"], limit: 100 }, { enabled: open && project !== "" }),
  );
  const agent = agentId || agents.data?.find((a) => a.available !== false)?.id || agents.data?.[0]?.id || "";
  // A subtask cannot wait for its parent (the parent waits for it): the server refuses that cycle.
  const waitable = (candidates.data?.items ?? []).filter((t) => t.id !== parent?.id);
  const choices = agentChoices(agents.data?.find((a) => a.id === agent)?.capabilities);

  const submit = (event?: FormEvent) => {
    event?.preventDefault();
    if (create.isPending) return;
    if (attempts !== null) {
      const list = attempts.map((a) => ({ agentId: a.agentId, model: a.model.trim() || undefined, mode: a.mode.trim() || undefined }));
      createMany.mutate({ projectId: project, prompt, attempts: list });
      return;
    }
    createOne.mutate({
      projectId: project,
      agentId: agent,
      prompt,
      model: model.trim() || undefined,
      mode: mode.trim() || undefined,
      parentId: parent?.id,
      dependsOn: dependsOn.length > 0 ? dependsOn : undefined,
    });
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    }
  };

  return (
    <Dialog.Root open={open} onOpenChange={onOpenChange}>
      <Dialog.Portal>
        <Dialog.Overlay className="fixed inset-0 z-40 bg-black/40 backdrop-blur-[1px]" />
        <Dialog.Content
          onKeyDown={onKeyDown}
          // Escape in an open command list closes the list, not the dialog.
          onEscapeKeyDown={(event) => {
            if (event.target instanceof HTMLElement && event.target.getAttribute("aria-expanded") === "true") event.preventDefault();
          }}
          className="fixed top-1/2 left-1/2 z-50 max-h-[92vh] w-[min(640px,calc(100vw-1.5rem))] -translate-x-1/2 -translate-y-1/2 overflow-y-auto rounded-xl border border-line bg-panel p-5 shadow-2xl"
        >
          <Dialog.Title className="text-lg font-semibold">{parent ? "New subtask" : attempts === null ? "New task" : "Compare agents"}</Dialog.Title>
          <Dialog.Description className="mt-0.5 text-sm text-muted">
            {parent ? `A subtask of “${parent.title}”. ` : ""}The agent works in its own git worktree; you review the change before it lands.
          </Dialog.Description>
          <form onSubmit={submit} className="mt-4 grid gap-3">
            <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
              <label className="grid gap-1 text-sm">
                <span className="font-medium">Project</span>
                <select
                  className={inputClass}
                  value={project}
                  disabled={parent !== undefined}
                  onChange={(e) => {
                    setProjectId(e.target.value);
                    setDependsOn([]);
                  }}
                  name="project"
                >
                  {projects.data?.map((p) => (
                    <option key={p.id} value={p.id}>
                      {p.name}
                    </option>
                  ))}
                </select>
              </label>
              {attempts === null && (
                <>
                  <label className="grid gap-1 text-sm">
                    <span className="font-medium">Agent</span>
                    <select className={inputClass} value={agent} onChange={(e) => { setAgentId(e.target.value); setMode(""); setModel(""); }} name="agent">
                      {agents.data?.map((a) => (
                        <option key={a.id} value={a.id}>
                          {a.name}
                          {a.available === false ? " (not available)" : ""}
                        </option>
                      ))}
                    </select>
                  </label>
                  <OptionField label="Model" name="model" value={model} onChange={setModel} choices={choices.models} defaultId={choices.defaultModel} />
                  <OptionField label="Mode" name="mode" value={mode} onChange={setMode} choices={choices.modes} defaultId={choices.defaultMode} />
                </>
              )}
            </div>
            {attempts !== null && <AttemptRows attempts={attempts} onChange={setAttempts} agents={agents.data ?? []} />}
            <label className="grid gap-1 text-sm">
              <span className="font-medium">Prompt</span>
              <PromptInput
                autoFocus
                name="prompt"
                aria-label="Prompt"
                className={`${inputClass} min-h-40 font-mono text-[13px]`}
                value={prompt}
                onValueChange={setPrompt}
                commands={choices.commands}
                placeholder={choices.commands.length > 0 ? "What should the agent do? Type / for the agent's commands." : "What should the agent do?"}
              />
            </label>
            {waitable.length > 0 && attempts === null && (
              <fieldset className="grid gap-1 text-sm" data-testid="depends-on">
                <legend className="font-medium">
                  Waits for <span className="font-normal text-muted">(optional: starts once these reach review)</span>
                </legend>
                <div className="grid max-h-32 gap-0.5 overflow-y-auto rounded-md border border-line p-1.5">
                  {waitable.map((t) => (
                    <label key={t.id} className="flex min-w-0 items-center gap-2 rounded px-1 py-0.5 hover:bg-raised">
                      <input
                        type="checkbox"
                        checked={dependsOn.includes(t.id)}
                        onChange={(e) => setDependsOn((ids) => (e.target.checked ? [...ids, t.id] : ids.filter((id) => id !== t.id)))}
                      />
                      <span className="min-w-0 truncate">{taskTitle(t.prompt)}</span>
                      <span className="ml-auto shrink-0 font-mono text-[11px] text-muted">#{t.id.slice(0, 8)}</span>
                    </label>
                  ))}
                </div>
              </fieldset>
            )}
            {create.error && (
              <p role="alert" className="text-sm text-rose-600 dark:text-rose-400" data-testid="create-error">
                {errorMessage(create.error)}
              </p>
            )}
            <div className="flex flex-wrap items-center justify-end gap-2">
              {parent === undefined && (
                <Button
                  tone="ghost"
                  aria-pressed={attempts !== null}
                  title={attempts === null ? "Run this prompt on several agents (or several times) and compare the results" : "Back to one agent"}
                  onClick={() => setAttempts(attempts === null ? [{ ...newAttempt(agent), model, mode }, newAttempt(agent)] : null)}
                >
                  {attempts === null ? "Compare agents" : "One agent"}
                </Button>
              )}
              <span className="mr-auto text-xs text-muted">
                <kbd className="rounded border border-line px-1">Ctrl</kbd>+<kbd className="rounded border border-line px-1">Enter</kbd> to start
              </span>
              <Dialog.Close asChild>
                <Button tone="ghost">Cancel</Button>
              </Dialog.Close>
              <Button tone="primary" type="submit" disabled={create.isPending || !project || !agent}>
                {create.isPending ? "Starting…" : attempts === null ? "Start task" : `Start ${attempts.length} attempts`}
              </Button>
            </div>
          </form>
        </Dialog.Content>
      </Dialog.Portal>
    </Dialog.Root>
  );
}
