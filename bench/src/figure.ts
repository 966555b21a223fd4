import type { Summary } from "./stats";
import type { BenchStack, RunnerProcess } from "./stack";

/** One line of the table: either a distribution (ms) or a single value. */
export type Row = {
  figure: string;
  metric: string;
  summary?: Summary;
  value?: string;
  target?: string;
  /** Whether the target is met; null when there is no target or nothing was measured. */
  met?: boolean | null;
  note?: string;
};

export type FigureContext = {
  stack: BenchStack;
  quick: boolean;
  log: (line: string) => void;
  /** A runner child process with these settings, reusing the current one when they match. */
  runner(opts?: { concurrency?: number; idleMs?: number; sandbox?: "auto" | "off" }): Promise<RunnerProcess>;
  /** Stops the shared runner (for figures that must have the queue to themselves). */
  stopRunner(): Promise<void>;
  /** Figures leave numbers here for later figures (the baseline's ratio to Wharf). */
  shared: Record<string, number>;
};

export type Figure = { id: string; title: string; run(ctx: FigureContext): Promise<Row[]> };
