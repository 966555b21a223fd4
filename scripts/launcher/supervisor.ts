import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { startTimeOf, type ProcessIdentity } from "./agents";

/** A supervised process exited too often in a short time; the supervisor stopped restarting it. */
export class ProcessKeepsExitingError extends Error {
  constructor(
    readonly processName: string,
    readonly exits: number,
    readonly windowMs: number,
    readonly lastExit: string,
  ) {
    super(
      `${processName} exited ${exits} times within ${Math.round(windowMs / 1000)} s (last: ${lastExit}); ` +
        `giving up. Its output is in the lines prefixed "${processName} |".`,
    );
    this.name = "ProcessKeepsExitingError";
  }
}

export type RestartPolicy = {
  /** Exits within `windowMs` after which the supervisor gives up. */
  maxExits: number;
  windowMs: number;
  /** First restart delay; doubles with each recent exit up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
};

export type SupervisorOptions = {
  name: string;
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Every line the process prints, stdout and stderr alike. */
  onLine: (line: string) => void;
  /** Supervisor notices (exits, restarts) for the person watching. */
  onNotice: (message: string) => void;
  restart?: Partial<RestartPolicy>;
  /** Time between SIGTERM and SIGKILL when stopping. */
  stopTimeoutMs?: number;
  /**
   * Runs after each exit of the child, before a restart and before `stop()` resolves: clean-up of
   * what the child left behind (the runner's agents live in process groups of their own).
   */
  afterExit?: (child: ProcessIdentity) => Promise<void>;
};

const DEFAULT_POLICY: RestartPolicy = { maxExits: 5, windowMs: 60_000, baseDelayMs: 500, maxDelayMs: 10_000 };

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/**
 * Runs one child process in its own process group and restarts it with exponential backoff when
 * it exits, until it exits `maxExits` times within `windowMs`; then `gaveUp` resolves.
 */
export class Supervisor {
  readonly gaveUp: Promise<ProcessKeepsExitingError>;
  private child: ChildProcess | null = null;
  private exitTimes: number[] = [];
  private restartTimer: NodeJS.Timeout | null = null;
  private stopping = false;
  private readonly policy: RestartPolicy;
  private resolveGaveUp!: (error: ProcessKeepsExitingError) => void;
  private childExited: Promise<void> = Promise.resolve();

  constructor(private readonly options: SupervisorOptions) {
    this.policy = { ...DEFAULT_POLICY, ...options.restart };
    this.gaveUp = new Promise((resolve) => (this.resolveGaveUp = resolve));
  }

  /** The current child's pid, if one runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.stopping) return;
    const { command, args, cwd, env, onLine, onNotice, name } = this.options;
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    this.child = child;
    const identity = child.pid === undefined ? null : { pid: child.pid, startTime: startTimeOf(child.pid) ?? "0" };
    for (const stream of [child.stdout, child.stderr]) {
      createInterface({ input: stream, crlfDelay: Infinity }).on("line", onLine);
    }
    this.childExited = new Promise((resolve) => {
      child.on("error", (error) => {
        onNotice(`could not start ${name}: ${error.message}`);
        // "close" still follows an "error" raised at spawn time.
      });
      child.on("close", (code, signal) => {
        if (this.child === child) this.child = null;
        const cleanedUp = identity && this.options.afterExit ? this.options.afterExit(identity) : Promise.resolve();
        void cleanedUp
          .catch((error: unknown) => onNotice(`clean-up after ${name} exited failed: ${(error as Error).message}`))
          .then(() => {
            resolve();
            if (!this.stopping) this.scheduleRestart(describeExit(code, signal));
          });
      });
    });
  }

  private scheduleRestart(lastExit: string): void {
    const now = Date.now();
    this.exitTimes = [...this.exitTimes.filter((t) => now - t < this.policy.windowMs), now];
    const exits = this.exitTimes.length;
    if (exits >= this.policy.maxExits) {
      this.options.onNotice(`${this.options.name} exited (${lastExit}); not restarting it again`);
      this.resolveGaveUp(new ProcessKeepsExitingError(this.options.name, exits, this.policy.windowMs, lastExit));
      return;
    }
    const delay = Math.min(this.policy.baseDelayMs * 2 ** (exits - 1), this.policy.maxDelayMs);
    this.options.onNotice(`${this.options.name} exited (${lastExit}); restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      this.start();
    }, delay);
  }

  /**
   * Stops the child's process group: SIGTERM, then SIGKILL after the timeout, or at once when
   * `force` aborts (also while waiting). No more restarts. Resolves once the child has exited and
   * `afterExit` has run.
   */
  async stop(opts: { force?: AbortSignal } = {}): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = null;
    const child = this.child;
    const exited = this.childExited;
    if (!child || child.pid === undefined) return exited;
    const pid = child.pid;
    this.signalGroup(pid, opts.force?.aborted ? "SIGKILL" : "SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    let onForce: (() => void) | undefined;
    const escalate = new Promise<"timeout" | "force">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), this.options.stopTimeoutMs ?? 4_000);
      onForce = () => resolve("force");
      opts.force?.addEventListener("abort", onForce, { once: true });
    });
    const outcome = await Promise.race([exited, escalate]);
    clearTimeout(timer);
    if (onForce) opts.force?.removeEventListener("abort", onForce);
    if (outcome === "timeout" || outcome === "force") {
      this.options.onNotice(
        outcome === "timeout" ? `${this.options.name} did not stop after SIGTERM; sending SIGKILL` : `sending SIGKILL to ${this.options.name}`,
      );
      this.signalGroup(pid, "SIGKILL");
      await exited;
    }
  }

  private signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
      process.kill(-pid, signal);
    } catch (error) {
      // ESRCH: the group is already gone, which is what stopping wants.
      if ((error as NodeJS.ErrnoException).code !== "ESRCH") {
        this.options.onNotice(`could not send ${signal} to ${this.options.name}: ${(error as Error).message}`);
      }
    }
  }
}
