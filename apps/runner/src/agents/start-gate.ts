import { availableParallelism } from "node:os";

/** A place in the gate's line; a spare's turns urgent when a task takes it. */
export type StartTicket = { urgent: boolean };

/**
 * At most `limit` agents start at once (spawn until `initialize` answered); the rest wait in line,
 * urgent ones (a task's own start) before spares, each in the order it came.
 *
 * Starting an agent is mostly CPU (a Node agent loads its SDK for 0.3–1 s). Fifty tasks claimed at
 * once on two cores would otherwise start fifty agents, and their spares, side by side: each gets
 * a sliver of the CPU, every one answers late, and those past the initialize timeout fail though
 * nothing is wrong with them. In line, each start gets its share and the timeout counts from the
 * moment its process runs.
 */
export class StartGate {
  private running = 0;
  private readonly line: { ticket: StartTicket; go: () => void }[] = [];

  constructor(readonly limit: number = defaultStartLimit()) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a start gate needs a whole limit of at least 1, got ${limit}`);
  }

  /** Resolves when this start may begin, with the function that ends it (call it once, success or not). */
  async enter(ticket: StartTicket = { urgent: true }): Promise<() => void> {
    if (this.running < this.limit && this.line.length === 0) {
      this.running++;
    } else {
      await new Promise<void>((go) => this.line.push({ ticket, go }));
    }
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.next();
    };
  }

  /** Starts waiting in line now. */
  get waiting(): number {
    return this.line.length;
  }

  /** A start ended: its place goes to the first urgent one in line, else the first. */
  private next(): void {
    const urgent = this.line.findIndex((w) => w.ticket.urgent);
    const [first] = this.line.splice(urgent >= 0 ? urgent : 0, 1);
    if (first) first.go();
    else this.running--;
  }
}

/** Two starts per core: enough to overlap one agent's waits (disk, a slow initialize) with another's work. */
function defaultStartLimit(): number {
  return Math.max(2, availableParallelism() * 2);
}
