import {
  finalTaskStates,
  isFinalTaskState,
  isRestingTaskState,
  restingTaskStates,
  unsuccessfulTaskStates,
  type TaskState,
} from "@wharf/api/task-states";

/*
 * The state predicates are the server's own (`@wharf/api/task-states`, a file without imports,
 * so plain Node loads it); the names below are the client's public ones.
 */

/** States a task never leaves (`completed` is not one: a follow-up prompt starts another turn). */
export const finalStates = finalTaskStates;
/** States in which nothing more happens by itself: the task waits for a person, or is final. */
export const restingStates = restingTaskStates;
/** The outcomes a script treats as "the task did not do its job". */
export const unsuccessfulStates = unsuccessfulTaskStates;

export function isFinalState(state: TaskState): boolean {
  return isFinalTaskState(state);
}

/** The task waits for a person (review, completed) or is final: nothing more happens by itself. */
export function isRestingState(state: TaskState): boolean {
  return isRestingTaskState(state);
}
