"use client";

import { MAX_ATTEMPTS, MIN_ATTEMPTS } from "@wharf/api/limits";
import { agentChoices } from "~/lib/capabilities";
import type { RouterOutputs } from "~/trpc/types";
import { OptionField } from "./option-field";
import { Button, inputClass } from "./ui";

type Agent = RouterOutputs["agent"]["list"][number];

/** One attempt of a best-of-N comparison, as the New task dialog edits it. */
export type AttemptDraft = { key: number; agentId: string; model: string; mode: string };

let nextKey = 0;
export const newAttempt = (agentId: string): AttemptDraft => ({ key: nextKey++, agentId, model: "", mode: "" });

/**
 * "Compare agents": the attempts one prompt runs as (2 to 8), each an agent with an optional model
 * and mode. The same agent may appear several times (N runs of one agent); "Add attempt" repeats
 * the last row's agent.
 */
export function AttemptRows({ attempts, onChange, agents }: { attempts: AttemptDraft[]; onChange: (attempts: AttemptDraft[]) => void; agents: Agent[] }) {
  const update = (key: number, patch: Partial<AttemptDraft>) => onChange(attempts.map((a) => (a.key === key ? { ...a, ...patch } : a)));
  return (
    <fieldset className="grid gap-2 text-sm" data-testid="attempts">
      <legend className="mb-1 font-medium">
        Attempts <span className="font-normal text-muted">(the same prompt runs once per row; compare the results side by side)</span>
      </legend>
      {attempts.map((attempt, i) => {
        const choices = agentChoices(agents.find((a) => a.id === attempt.agentId)?.capabilities);
        const n = i + 1;
        return (
          <div key={attempt.key} className="grid grid-cols-[1.5rem_1fr_auto] items-center gap-2 sm:grid-cols-[1.5rem_1.3fr_1fr_1fr_auto]" data-testid="attempt-row">
            <span className="text-right text-xs text-muted tabular-nums">{n}.</span>
            <select
              className={inputClass}
              value={attempt.agentId}
              aria-label={`Agent for attempt ${n}`}
              onChange={(e) => update(attempt.key, { agentId: e.target.value, model: "", mode: "" })}
            >
              {agents.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                  {a.available === false ? " (not available)" : ""}
                </option>
              ))}
            </select>
            <div className="col-start-2 sm:col-start-auto">
              <OptionField compact label={`Model for attempt ${n}`} name={`model-${n}`} value={attempt.model} onChange={(model) => update(attempt.key, { model })} choices={choices.models} defaultId={choices.defaultModel} placeholder="Model (default)" />
            </div>
            <div className="col-start-2 sm:col-start-auto">
              <OptionField compact label={`Mode for attempt ${n}`} name={`mode-${n}`} value={attempt.mode} onChange={(mode) => update(attempt.key, { mode })} choices={choices.modes} defaultId={choices.defaultMode} placeholder="Mode (default)" />
            </div>
            <Button
              tone="ghost"
              className="col-start-3 row-start-1 px-2 sm:col-start-auto sm:row-start-auto"
              aria-label={`Remove attempt ${n}`}
              title={attempts.length <= MIN_ATTEMPTS ? `A comparison has at least ${MIN_ATTEMPTS} attempts` : "Remove this attempt"}
              disabled={attempts.length <= MIN_ATTEMPTS}
              onClick={() => onChange(attempts.filter((a) => a.key !== attempt.key))}
            >
              ✕
            </Button>
          </div>
        );
      })}
      <div>
        <Button tone="secondary" disabled={attempts.length >= MAX_ATTEMPTS} onClick={() => onChange([...attempts, newAttempt(attempts.at(-1)?.agentId ?? agents[0]?.id ?? "")])}>
          + Add attempt
        </Button>
        {attempts.length >= MAX_ATTEMPTS && <span className="ml-2 text-xs text-muted">At most {MAX_ATTEMPTS} attempts.</span>}
      </div>
    </fieldset>
  );
}
