import { RequestError } from "@agentclientprotocol/sdk";

/** A step needs a client capability the client did not advertise in `initialize`. */
export class MissingCapabilityError extends RequestError {
  readonly capability: string;
  readonly step: string;

  constructor(capability: string, step: string) {
    super(-32603, `client did not advertise ${capability}; step "${step}" needs it`, {
      capability,
      step,
    });
    this.name = "MissingCapabilityError";
    this.capability = capability;
    this.step = step;
  }
}

/** A prompt carried a scenario (fenced block) that does not parse. */
export class InvalidScenarioError extends RequestError {
  readonly source: string;
  readonly issues: string;

  constructor(source: string, issues: string) {
    super(-32602, `invalid scenario from ${source}: ${issues}`, { source, issues });
    this.name = "InvalidScenarioError";
    this.source = source;
    this.issues = issues;
  }
}

/** A client request made by a step failed, and the step says to fail the turn. */
export class StepFailedError extends RequestError {
  readonly step: string;
  override readonly cause: unknown;

  constructor(step: string, cause: unknown) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(-32603, `step "${step}" failed: ${detail}`, { step, detail });
    this.name = "StepFailedError";
    this.step = step;
    this.cause = cause;
  }
}

/** The client chose a permission option the agent never offered. */
export class UnknownPermissionOptionError extends RequestError {
  readonly optionId: string;
  readonly offered: string[];

  constructor(optionId: string, offered: string[]) {
    super(-32603, `client selected permission option "${optionId}", offered were ${offered.join(", ")}`, {
      optionId,
      offered,
    });
    this.name = "UnknownPermissionOptionError";
    this.optionId = optionId;
    this.offered = offered;
  }
}
