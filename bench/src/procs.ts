import { readdirSync, readFileSync } from "node:fs";

/** Resident set size of a process in MiB (VmRSS from /proc), or null when it is gone. */
export function rssMiB(pid: number): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : null;
  } catch {
    return null; // the process has exited
  }
}

/** Proportional set size in MiB (smaps_rollup: a page shared by n processes counts 1/n), 0 for a process that is gone. */
export function pssMiB(pid: number): number {
  try {
    const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "utf8"));
    return match ? Number(match[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Every live process's parent (zombies left out), from one pass over /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    // Fields after the command name (which may hold spaces) start after the last ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields[0] !== "Z") out.set(Number(entry), Number(fields[1]));
  }
  return out;
}

/** Pids of every live process whose parent is `pid` (the runner's agent processes). */
export function childPids(pid: number): number[] {
  return [...parents()].filter(([, parent]) => parent === pid).map(([child]) => child);
}

/**
 * Pids of every live process below `pid` (an agent in the sandbox is bwrap's grandchild), from one
 * pass over /proc: a pass per process took ~270 ms with eight sandboxed agents, on the bench's clock.
 */
export function descendantPids(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const [child, parent] of parents()) byParent.set(parent, [...(byParent.get(parent) ?? []), child]);
  const out: number[] = [];
  const walk = (from: number) => {
    for (const child of byParent.get(from) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** Samples the RSS of a process (and optionally its children) until stopped; reports the peak. */
export function sampleRss(pid: number, everyMs = 100) {
  let peak = rssMiB(pid) ?? 0;
  let peakChildren = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, rssMiB(pid) ?? 0);
    const kids = childPids(pid).reduce((sum, child) => sum + (rssMiB(child) ?? 0), 0);
    peakChildren = Math.max(peakChildren, kids);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return { peakMiB: peak, peakChildrenMiB: peakChildren };
    },
  };
}

/** CPU time (user + system) a process has used, in ms; null when it is gone. */
function cpuMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/**
 * Resolves once the processes of `pids()` (read again each time: some may start meanwhile) used at
 * most `quietMs` of CPU over the last `windowMs`, or after `timeoutMs`; answers whether they did.
 */
export async function waitForQuiet(pids: () => number[], opts: { windowMs: number; quietMs: number; timeoutMs: number }): Promise<boolean> {
  const total = () => pids().reduce((sum, pid) => sum + (cpuMs(pid) ?? 0), 0);
  const stepMs = 50;
  const samples: number[] = [total()];
  const until = performance.now() + opts.timeoutMs;
  while (performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, stepMs));
    samples.push(total());
    const back = Math.round(opts.windowMs / stepMs);
    if (samples.length > back && samples.at(-1)! - samples.at(-1 - back)! <= opts.quietMs) return true;
  }
  return false;
}

/** Pids of processes whose command name is `name` (e.g. every postgres backend). */
export function pidsNamed(name: string): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === name) out.push(Number(entry));
    } catch {
      continue; // exited while we looked
    }
  }
  return out;
}

/** CPU used by groups of processes between `start()` and `stop()`, in ms (exited ones count what they had). */
export function cpuSplit(groups: Record<string, () => number[]>) {
  const before = new Map<number, number>();
  const snapshot = () => {
    const now: Record<string, Map<number, number>> = {};
    for (const [group, pids] of Object.entries(groups)) {
      now[group] = new Map(pids().flatMap((pid) => {
        const ms = cpuMs(pid);
        return ms === null ? [] : [[pid, ms] as const];
      }));
    }
    return now;
  };
  const first = snapshot();
  for (const map of Object.values(first)) for (const [pid, ms] of map) before.set(pid, ms);
  const benchBefore = process.cpuUsage();
  return {
    stop(): Record<string, number> {
      // The bench's own CPU up to here, not the reading of /proc that follows.
      const bench = process.cpuUsage(benchBefore);
      const out: Record<string, number> = {};
      for (const [group, map] of Object.entries(snapshot())) {
        out[group] = [...map].reduce((sum, [pid, ms]) => sum + ms - (before.get(pid) ?? 0), 0);
      }
      out.bench = (bench.user + bench.system) / 1000;
      return out;
    },
  };
}

/** RSS of a process and its descendants (the web server may fork), in MiB. */
export function treeRss(pid: number): number {
  return (rssMiB(pid) ?? 0) + childPids(pid).reduce((sum, child) => sum + treeRss(child), 0);
}

/** PSS of a process and its descendants, in MiB. */
export function treePss(pid: number): number {
  return [pid, ...descendantPids(pid)].reduce((sum, p) => sum + pssMiB(p), 0);
}
