import { describe, expect, it } from "vitest";
import { ProcessKeepsExitingError, Supervisor } from "./supervisor";

function collect() {
  const lines: string[] = [];
  const notices: string[] = [];
  return { lines, notices, onLine: (l: string) => lines.push(l), onNotice: (n: string) => notices.push(n) };
}

describe("Supervisor", () => {
  it("restarts a process that exits and gives up after too many exits", async () => {
    const out = collect();
    const supervisor = new Supervisor({
      name: "flaky",
      command: process.execPath,
      args: ["-e", "console.log('started'); process.exit(3)"],
      cwd: process.cwd(),
      env: process.env,
      onLine: out.onLine,
      onNotice: out.onNotice,
      restart: { maxExits: 3, windowMs: 60_000, baseDelayMs: 10, maxDelayMs: 20 },
    });
    supervisor.start();
    const error = await supervisor.gaveUp;
    expect(error).toBeInstanceOf(ProcessKeepsExitingError);
    expect(error.exits).toBe(3);
    expect(error.lastExit).toBe("exit code 3");
    expect(out.lines).toEqual(["started", "started", "started"]);
    expect(out.notices.filter((n) => n.includes("restarting in"))).toHaveLength(2);
    await supervisor.stop();
  });

  it("stops a running process group with SIGTERM and does not restart it", async () => {
    const out = collect();
    const script = "process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0) }); console.log('ready'); setInterval(() => {}, 1000)";
    const supervisor = new Supervisor({
      name: "steady",
      command: process.execPath,
      args: ["-e", script],
      cwd: process.cwd(),
      env: process.env,
      onLine: (line) => {
        out.onLine(line);
        if (line === "ready") void supervisor.stop().then(() => out.onNotice("stopped"));
      },
      onNotice: out.onNotice,
    });
    supervisor.start();
    await expect.poll(() => out.notices.includes("stopped")).toBe(true);
    expect(out.lines).toEqual(["ready", "got SIGTERM"]);
    expect(supervisor.pid).toBeUndefined();
    expect(out.notices.some((n) => n.includes("restarting"))).toBe(false);
  });

  it("kills a process that ignores SIGTERM after the stop timeout", async () => {
    const out = collect();
    let ready!: () => void;
    const started = new Promise<void>((resolve) => (ready = resolve));
    const supervisor = new Supervisor({
      name: "stubborn",
      command: process.execPath,
      args: ["-e", "process.on('SIGTERM', () => console.log('ignoring')); console.log('ready'); setInterval(() => {}, 1000)"],
      cwd: process.cwd(),
      env: process.env,
      onLine: (line) => {
        out.onLine(line);
        if (line === "ready") ready();
      },
      onNotice: out.onNotice,
      stopTimeoutMs: 200,
    });
    supervisor.start();
    await started;
    await supervisor.stop();
    expect(out.notices.some((n) => n.includes("SIGKILL"))).toBe(true);
  });
});
