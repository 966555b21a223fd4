import net from "node:net";
import { portVarName, serviceToolCallPrefix, type ServiceCallInput, type ServiceSpec, type TaskEvent } from "@wharf/api/schemas";
import { TerminalError, TerminalManager } from "../agents/terminals";
import type { Logger } from "../agents/transport";

/**
 * Services: a project's named long-running commands (a dev server, a database) started for a task
 * in its worktree, on free ports passed as `PORT` and `PORT_<NAME>` (more ports as
 * `PORT_<NAME>_2`, …; the ports of the task's other running services as their `PORT_<NAME>`).
 * Each runs through the terminals' spawn path (own process group, the OS sandbox with network) and
 * shows in the task's timeline as a tool call with its terminal output (the logs) and its URLs.
 * They stop on request, when the task leaves its worktree, and when the runner stops.
 *
 * Ports are found by binding port 0 on loopback and held until the service starts; a port stays
 * reserved on this runner while its service runs, so two tasks' services never get the same one.
 */

type Running = {
  name: string;
  toolCallId: string;
  ports: number[];
  terminals: TerminalManager;
  stopping: boolean;
  exited: Promise<void>;
};

export class ServiceManager {
  private readonly byTask = new Map<string, Map<string, Running>>();
  private readonly reserved = new Set<number>();
  private closed = false;

  constructor(private readonly opts: { graceMs: number; log: Logger }) {}

  /** The services running for a task, by name, with their ports. */
  running(taskId: string): Array<{ name: string; ports: number[] }> {
    return [...(this.byTask.get(taskId)?.values() ?? [])].map((s) => ({ name: s.name, ports: s.ports }));
  }

  async start(
    task: { taskId: string; worktree: string; env: Record<string, string>; writable: readonly string[] },
    spec: ServiceSpec,
    onEvent: (event: TaskEvent) => void,
  ): Promise<void> {
    if (this.closed) return;
    const services = this.byTask.get(task.taskId) ?? new Map<string, Running>();
    this.byTask.set(task.taskId, services);
    if (services.has(spec.name)) return; // already running: starting twice is a no-op
    const toolCallId = `${serviceToolCallPrefix}${spec.name}-${Date.now().toString(36)}`;
    const ports = await this.allocate(spec.ports);
    const env: Record<string, string> = { ...task.env, PORT: String(ports[0]) };
    for (const other of services.values()) env[portVarName(other.name)] = String(other.ports[0]);
    env[portVarName(spec.name)] = String(ports[0]);
    ports.slice(1).forEach((port, i) => (env[`${portVarName(spec.name)}_${i + 2}`] = String(port)));
    const input: ServiceCallInput = { service: spec.name, command: spec.command, ports, urls: ports.map((p) => `http://127.0.0.1:${p}/`) };
    const terminals = new TerminalManager({ root: task.worktree, env, network: true, writable: task.writable, killGraceMs: this.opts.graceMs, onEvent, log: this.opts.log });

    let terminalId: string;
    try {
      terminalId = await terminals.create({ command: "/bin/sh", args: ["-c", spec.command], outputByteLimit: 256 * 1024 });
    } catch (error) {
      this.release(ports);
      if (!(error instanceof TerminalError)) throw error;
      onEvent({ type: "tool_call", toolCallId, title: `Service ${spec.name} could not start: ${error.message}`, kind: "execute", status: "failed", rawInput: input });
      return;
    }
    onEvent({
      type: "tool_call",
      toolCallId,
      title: `Service ${spec.name} on port ${ports.join(", ")}`,
      kind: "execute",
      status: "in_progress",
      content: [{ type: "terminal", terminalId }],
      rawInput: input,
    });
    const running: Running = {
      name: spec.name,
      toolCallId,
      ports,
      terminals,
      stopping: false,
      exited: terminals.waitForExit(terminalId).then(async (exit) => {
        services.delete(spec.name);
        if (services.size === 0 && this.byTask.get(task.taskId) === services) this.byTask.delete(task.taskId);
        this.release(ports);
        await terminals.closeAll();
        const how = running.stopping ? "stopped" : exit.exitCode === null ? `ended by ${exit.signal ?? "a signal"}` : `exited with code ${exit.exitCode}`;
        onEvent({ type: "tool_call", toolCallId, title: `Service ${spec.name} ${how}`, status: running.stopping || exit.exitCode === 0 ? "completed" : "failed", rawOutput: { exitCode: exit.exitCode, signal: exit.signal } });
      }),
    };
    services.set(spec.name, running);
  }

  /** Stops one service of a task (its whole process group); resolves once it has exited. */
  async stop(taskId: string, name: string): Promise<void> {
    const running = this.byTask.get(taskId)?.get(name);
    if (!running) return;
    running.stopping = true;
    await running.terminals.closeAll();
    await running.exited;
  }

  /** Stops every service of a task (it is applied, discarded, cancelled or failed). */
  async stopTask(taskId: string): Promise<void> {
    await Promise.all([...(this.byTask.get(taskId)?.keys() ?? [])].map((name) => this.stop(taskId, name)));
  }

  /** The runner stops: every service goes, none starts afterwards. */
  async stopAll(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.byTask.keys()].map((taskId) => this.stopTask(taskId)));
  }

  private release(ports: number[]): void {
    for (const port of ports) this.reserved.delete(port);
  }

  /** `count` free loopback ports, none reserved by another service of this runner. */
  private async allocate(count: number): Promise<number[]> {
    const held: net.Server[] = [];
    const ports: number[] = [];
    try {
      while (ports.length < count) {
        const server = net.createServer();
        await new Promise<void>((resolve, reject) => {
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve());
        });
        held.push(server);
        const address = server.address();
        if (address === null || typeof address === "string") throw new Error("a loopback listener has no port");
        const port = address.port;
        if (this.reserved.has(port)) continue; // held by a service of ours that has not bound it yet
        ports.push(port);
      }
      for (const port of ports) this.reserved.add(port);
      return ports;
    } finally {
      await Promise.all(held.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
    }
  }
}
