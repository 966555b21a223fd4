/*
 * The task states and what each one means, defined once. This file imports nothing, so the typed
 * client (run by plain Node) can load it without the server; the zod enum lives in events.ts.
 *
 *   blocked → queued                                          (its dependencies are met, or a person starts it)
 *   queued → running ⇄ needs_input → review | completed      (one turn)
 *   review | completed → queued                               (follow-up prompt, next turn)
 *   review → applied | discarded                              (a person decides)
 *   blocked | queued | running | needs_input → failed | cancelled
 *
 * The transitions themselves are written in packages/api/src/lifecycle.
 */

export const taskStates = [
  "blocked",
  "queued",
  "running",
  "needs_input",
  "review",
  "applied",
  "discarded",
  "completed",
  "failed",
  "cancelled",
] as const;
export type TaskState = (typeof taskStates)[number];

/** States in which a task may still change by itself (an agent may be working on it). */
export const liveTaskStates = ["queued", "running", "needs_input"] as const satisfies readonly TaskState[];
/** A turn is over and the task waits for a person: a follow-up prompt starts another turn. */
export const followUpTaskStates = ["review", "completed"] as const satisfies readonly TaskState[];
/** States a task never leaves. `completed` is not one: it accepts a follow-up. */
export const finalTaskStates = ["applied", "discarded", "failed", "cancelled"] as const satisfies readonly TaskState[];
/** Nothing more happens by itself: the task waits for a person (review, completed) or is final. */
export const restingTaskStates = [...followUpTaskStates, ...finalTaskStates] as const satisfies readonly TaskState[];
/**
 * Done with, as the board sees it: nothing left to decide (completed had no change to review;
 * the final states). The board's finished columns hold these, and only these can be archived.
 */
export const finishedTaskStates = ["completed", ...finalTaskStates] as const satisfies readonly TaskState[];
/** Waits for its dependencies (or, after one failed, for a person); no job exists for it yet. */
export const blockedTaskStates = ["blocked"] as const satisfies readonly TaskState[];
/** A dependency in one of these states is met: its dependents may run. */
export const dependencyMetTaskStates = ["review", "applied", "completed"] as const satisfies readonly TaskState[];
/** A dependency in one of these states will never be met: its dependents wait for a person. */
export const dependencyLostTaskStates = ["failed", "cancelled", "discarded"] as const satisfies readonly TaskState[];
/** States `task.cancel` acts on (blocked and queued in place; running or waiting through its runner). */
export const cancellableTaskStates = [...blockedTaskStates, ...liveTaskStates] as const satisfies readonly TaskState[];
/** The only state whose change can be applied or discarded. */
export const reviewTaskStates = ["review"] as const satisfies readonly TaskState[];
/** The outcomes a script treats as "the task did not do its job". */
export const unsuccessfulTaskStates = ["failed", "cancelled"] as const satisfies readonly TaskState[];

const has = (states: readonly TaskState[], state: string): boolean => (states as readonly string[]).includes(state);

export const isLiveTaskState = (state: string): boolean => has(liveTaskStates, state);
export const isFinalTaskState = (state: string): boolean => has(finalTaskStates, state);
export const isFinishedTaskState = (state: string): boolean => has(finishedTaskStates, state);
export const isRestingTaskState = (state: string): boolean => has(restingTaskStates, state);
export const acceptsFollowUp = (state: string): boolean => has(followUpTaskStates, state);
export const canBeCancelled = (state: string): boolean => has(cancellableTaskStates, state);
export const isBlockedTaskState = (state: string): boolean => has(blockedTaskStates, state);
/** A task in one of these states keeps its worktree (the agent works in it, or a follow-up will). */
export const keepsWorktree = (state: string): boolean => isLiveTaskState(state) || acceptsFollowUp(state);
