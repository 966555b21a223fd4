import type { AgentSession, Logger } from "./agents/transport";

type Entry = { session: AgentSession; timer: NodeJS.Timeout | null };

/**
 * Agent sessions kept alive between turns (a task in review can get a follow-up in the same
 * session). An idle session is closed after `idleMs`; a later follow-up starts the agent again.
 */
export class LiveSessions {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly idleMs: number,
    private readonly graceMs: number,
    private readonly log: Logger,
  ) {}

  /** Takes the session out (a turn is starting); it is no longer reaped while in use. */
  take(taskId: string): AgentSession | undefined {
    const entry = this.entries.get(taskId);
    if (!entry) return undefined;
    if (entry.timer) clearTimeout(entry.timer);
    this.entries.delete(taskId);
    return entry.session;
  }

  /** The tasks whose sessions are parked. */
  taskIds(): string[] {
    return [...this.entries.keys()];
  }

  has(taskId: string): boolean {
    return this.entries.has(taskId);
  }

  /** Parks an idle session until the next turn or the idle timeout. */
  park(taskId: string, session: AgentSession): void {
    this.take(taskId);
    const timer = setTimeout(() => {
      this.log.info("stopping idle agent", { taskId, idleMs: this.idleMs });
      void this.close(taskId);
    }, this.idleMs);
    timer.unref();
    this.entries.set(taskId, { session, timer });
    void session.exited.then(() => {
      if (this.entries.get(taskId)?.session === session) this.take(taskId);
    });
  }

  async close(taskId: string): Promise<void> {
    const session = this.take(taskId);
    if (!session) return;
    try {
      await session.close(this.graceMs);
    } catch (error) {
      this.log.error("closing an agent failed", { taskId, error });
    }
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.entries.keys()].map((id) => this.close(id)));
  }

  get size(): number {
    return this.entries.size;
  }
}
