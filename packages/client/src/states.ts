import type { TaskState } from "@wharf/api";

/** States a task never leaves. */
export const finalStates = ["applied", "discarded", "completed", "failed", "cancelled"] as const satisfies readonly TaskState[];
/** States in which a task waits for a person and does nothing by itself. */
export const restingStates = ["review", ...finalStates] as const satisfies readonly TaskState[];
/** The outcomes a script treats as "the task did not do its job". */
export const unsuccessfulStates = ["failed", "cancelled"] as const satisfies readonly TaskState[];

export function isFinalState(state: TaskState): boolean {
  return (finalStates as readonly TaskState[]).includes(state);
}

/** The task waits for a person (review) or is done: nothing more happens by itself. */
export function isRestingState(state: TaskState): boolean {
  return (restingStates as readonly TaskState[]).includes(state);
}
