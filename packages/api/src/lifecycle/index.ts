/**
 * The task lifecycle: every state change of a task, its change and its permission requests, as
 * one function per transition. API and runner both call these (`@wharf/api/lifecycle`); nothing
 * here loads routers or Prisma. Each function runs in the caller's transaction on a `pg` client.
 * Which states exist and what they mean: ../schemas/task-states.ts.
 */
export { LifecycleError, LifecycleNotFoundError, TaskLinkError, TransitionRefusedError, UnknownPermissionOptionError } from "./errors";
export { notifyControl } from "./notify-control";
export {
  answerPermission,
  closePermission,
  openPermission,
  recordRememberedPermission,
  resumeTask,
  type PermissionAskRow,
} from "./permission";
export {
  applyTaskChange,
  discardTaskChange,
  publishTaskChange,
  rebaseTaskChange,
  type ApplyOutcome,
  type PublishOutcome,
  type RebaseOutcome,
  type RemainingChange,
  type ReviewTarget,
} from "./review";
export { sendComments, type OpenComment } from "./comments";
export { cancelTask, claimTask, createTask, endTurn, followUp, rerouteFromGoneRunners, startTask, type ClaimedTask, type TurnChange, type TurnEnd } from "./task";
export { MAX_DEPENDENCIES } from "./dependencies";
export { createAttempts, lockGroupForPick, settleSiblings, type AttemptSpec, type SiblingOutcome } from "./attempts";
export { inTransaction } from "../queue";
