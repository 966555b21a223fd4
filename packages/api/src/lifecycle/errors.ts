/**
 * Errors of the task lifecycle. They carry fields, not HTTP codes: the API edge turns them into a
 * TRPCError (`lifecycleToTRPCError` in ../errors.ts), the runner decides per case.
 */
export abstract class LifecycleError extends Error {
  abstract readonly kind: "conflict" | "not_found" | "bad_request";
}

/** The row is not in a state the transition may start from. */
export class TransitionRefusedError extends LifecycleError {
  override readonly name = "TransitionRefusedError";
  readonly kind = "conflict" as const;
  constructor(
    readonly subject: "task" | "permission request",
    readonly id: string,
    readonly transition: string,
    readonly from: string,
    readonly allowed: readonly string[],
    message: string,
  ) {
    super(message);
  }
}

/** The task, its change or a permission request does not exist. */
export class LifecycleNotFoundError extends LifecycleError {
  override readonly name = "LifecycleNotFoundError";
  readonly kind = "not_found" as const;
  constructor(
    readonly what: string,
    readonly id: string,
    message = `${what} ${id} does not exist.`,
  ) {
    super(message);
  }
}

/** A permission answer names an option the agent did not offer. */
export class UnknownPermissionOptionError extends LifecycleError {
  override readonly name = "UnknownPermissionOptionError";
  readonly kind = "bad_request" as const;
  constructor(
    readonly requestId: string,
    readonly optionId: string,
    readonly offered: readonly string[],
  ) {
    super(`"${optionId}" is not one of the agent's options: ${offered.join(", ")}.`);
  }
}

/** A new task's parent or dependencies do not fit: another project, too many, or a cycle. */
export class TaskLinkError extends LifecycleError {
  override readonly name = "TaskLinkError";
  readonly kind = "bad_request" as const;
}

/** Best-of-N: another attempt of the group was picked already (applied, or its pull request opened). */
export class AttemptAlreadyPickedError extends LifecycleError {
  override readonly name = "AttemptAlreadyPickedError";
  readonly kind = "conflict" as const;
  constructor(
    readonly groupId: string,
    readonly pickedTaskId: string,
    message: string,
  ) {
    super(message);
  }
}
