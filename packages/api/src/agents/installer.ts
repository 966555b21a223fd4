import { accessSync, constants, existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@wharf/common";
import { agentsBinDir, agentsDir, installedVersion } from "./installed";
import { describeNpmFailure, locateNpm, npmEnv, npmErrorCode, npmInstallArgs, runNpm, type NpmFailureKind } from "./npm";
import { latestVersion, registryFor } from "./npm-registry";
import type { NpmSource } from "./presets";

type InstallState = "queued" | "running" | "installed" | "failed";

/** One install (or update) of one agent, as the Agents page shows it. */
export type InstallJob = {
  agentId: string;
  package: string;
  version: string;
  action: "install" | "update";
  state: InstallState;
  startedAt: Date;
  finishedAt: Date | null;
  /** npm's latest line while it runs (a registry request, mostly). */
  progress: string | null;
  /** Registry requests npm made so far: packuments and tarballs. */
  requests: number;
  error: { kind: NpmFailureKind | "missing"; message: string } | null;
  /** npm's last lines when it failed. */
  output: string[];
};

export class InstallConflictError extends Error {
  constructor(readonly job: InstallJob) {
    super(`${job.package}@${job.version} is being installed for this agent right now; wait for it to finish, then try again.`);
    this.name = "InstallConflictError";
  }
}

export type InstallerOptions = {
  /** Wharf's home: agents go to `<home>/agents`. */
  home: string;
  /** A registry that overrides the person's npm config (WHARF_NPM_REGISTRY). */
  registry?: string | undefined;
  /** The environment npm's is taken from (allow-listed); default process.env. */
  baseEnv?: NodeJS.ProcessEnv;
  /** Called after a successful install, before the job says so: detect the agent again. */
  onInstalled: (agentId: string) => Promise<void>;
  log?: Logger;
  /** Longest an install may take before npm is stopped. */
  timeoutMs?: number;
};

const progressEveryMs = 100;
const latestTtlMs = 5 * 60_000;

/**
 * Installs agents from npm into Wharf's agent folder, one npm at a time (all agents share one
 * prefix, whose package.json and lockfile two npms would both rewrite), at most one job per agent.
 * Jobs live in this process's memory and are told to subscribers as they change.
 */
export class AgentInstaller {
  private readonly jobs = new Map<string, InstallJob>();
  private readonly listeners = new Set<(job: InstallJob) => void>();
  private readonly latest = new Map<string, { at: number; value: Promise<string> }>();
  private readonly stopping = new AbortController();
  private queue: Promise<void> = Promise.resolve();
  private readonly env: Record<string, string>;

  constructor(private readonly opts: InstallerOptions) {
    this.env = npmEnv(opts.baseEnv ?? process.env);
  }

  get dir(): string {
    return agentsDir(this.opts.home);
  }

  /** Every job this process knows, the latest per agent. */
  list(): InstallJob[] {
    return [...this.jobs.values()].map((job) => ({ ...job, output: [...job.output] }));
  }

  /** Calls `listener` with a copy of a job each time it changes; returns the unsubscribe. */
  subscribe(listener: (job: InstallJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Starts installing `source.package@version` for an agent. While one runs for the agent, the
   * same request joins it (`joined: true`); another version is refused (`InstallConflictError`).
   */
  start(agentId: string, source: NpmSource, version: string, action: InstallJob["action"]): { job: InstallJob; joined: boolean } {
    const current = this.jobs.get(agentId);
    if (current && (current.state === "queued" || current.state === "running")) {
      if (current.package === source.package && current.version === version) return { job: { ...current }, joined: true };
      throw new InstallConflictError({ ...current });
    }
    const job: InstallJob = {
      agentId,
      package: source.package,
      version,
      action,
      state: "queued",
      startedAt: new Date(),
      finishedAt: null,
      progress: null,
      requests: 0,
      error: null,
      output: [],
    };
    this.jobs.set(agentId, job);
    this.emit(job);
    this.queue = this.queue.then(() => this.run(job, source));
    return { job: { ...job }, joined: false };
  }

  /** The registry's latest version of a package, asked at most every few minutes unless `fresh`. */
  latestVersion(pkg: string, opts: { fresh?: boolean } = {}): Promise<string> {
    const cached = this.latest.get(pkg);
    if (cached && !opts.fresh && Date.now() - cached.at < latestTtlMs) return cached.value;
    const value = this.registry(pkg).then((registry) => latestVersion(registry, pkg));
    this.latest.set(pkg, { at: Date.now(), value });
    value.catch(() => this.latest.delete(pkg)); // a failed lookup is asked again next time
    return value;
  }

  /** Stops a running npm (the process is shutting down); queued jobs fail. */
  close(): void {
    this.stopping.abort();
  }

  private registry(pkg: string): Promise<string> {
    return registryFor(pkg, { override: this.opts.registry, npm: () => locateNpm(this.env.PATH), env: this.env });
  }

  private async run(job: InstallJob, source: NpmSource): Promise<void> {
    const spec = `${job.package}@${job.version}`;
    const prefix = this.dir;
    job.state = "running";
    this.emit(job);
    let lastEmit = 0;
    try {
      if (this.stopping.signal.aborted) throw new Error("Wharf is shutting down.");
      const registry = await this.registry(job.package);
      prepareFolder(prefix);
      const npm = locateNpm(this.env.PATH);
      const args = npmInstallArgs({ prefix, spec, scripts: source.scripts === true, registry: this.opts.registry });
      this.opts.log?.info(`agents: npm ${args.join(" ")}`);
      const signal = AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.opts.timeoutMs ?? 15 * 60_000)]);
      const result = await runNpm(npm, args, {
        cwd: prefix,
        env: this.env,
        signal,
        onLine: (line) => {
          const request = /^npm http fetch (GET|POST) (\d+) (\S+)/.exec(line);
          if (request) job.requests++;
          job.progress = request ? `${request[1]} ${request[2]} ${shortUrl(request[3]!)}` : line.replace(/^npm (?:http |info |notice |warn )?/, "");
          if (Date.now() - lastEmit >= progressEveryMs) {
            lastEmit = Date.now();
            this.emit(job);
          }
        },
      });
      if (result.code !== 0) {
        const code = signal.aborted ? null : npmErrorCode(result.lines);
        const failure = signal.aborted
          ? { kind: "failed" as const, message: this.stopping.signal.aborted ? `The install of ${spec} was stopped: Wharf is shutting down.` : `The install of ${spec} took too long and was stopped. Try again.` }
          : describeNpmFailure({ code, spec, registry, prefix, exitCode: result.code });
        return this.finish(job, { error: failure, output: lastLines(result.lines) });
      }
      const missing = this.missing(job, source);
      if (missing) return this.finish(job, { error: { kind: "missing", message: missing }, output: lastLines(result.lines) });
      this.latest.delete(job.package);
      try {
        await this.opts.onInstalled(job.agentId);
      } catch (error) {
        this.opts.log?.warn(`agents: ${job.agentId} is installed, but detecting it again failed: ${(error as Error).message}`);
      }
      this.finish(job, { error: null, output: [] });
    } catch (error) {
      this.finish(job, { error: { kind: "failed", message: `${spec} could not be installed: ${(error as Error).message}` }, output: [] });
    }
  }

  /** Why the install is not usable although npm succeeded, or null. */
  private missing(job: InstallJob, source: NpmSource): string | null {
    const version = installedVersion(this.opts.home, job.package);
    if (version !== job.version) return `npm finished, but ${job.package} ${version ? `is at ${version}, not ${job.version}` : "is not"} in ${this.dir}.`;
    const bin = path.join(agentsBinDir(this.opts.home), source.bin);
    try {
      accessSync(bin, constants.X_OK);
    } catch {
      return `npm installed ${job.package}@${job.version}, but it has no command ${source.bin} in ${path.dirname(bin)}.`;
    }
    return null;
  }

  private finish(job: InstallJob, result: { error: InstallJob["error"]; output: string[] }): void {
    job.state = result.error ? "failed" : "installed";
    job.error = result.error;
    job.output = result.output;
    job.finishedAt = new Date();
    if (result.error) this.opts.log?.warn(`agents: installing ${job.package}@${job.version} failed: ${result.error.message}`);
    this.emit(job);
  }

  private emit(job: InstallJob): void {
    for (const listener of this.listeners) listener({ ...job, output: [...job.output] });
  }
}

/** Wharf's agent folder with a package.json of its own, so npm never walks up to another project. */
function prepareFolder(prefix: string): void {
  mkdirSync(prefix, { recursive: true });
  const manifest = path.join(prefix, "package.json");
  if (!existsSync(manifest)) {
    writeFileSync(manifest, `${JSON.stringify({ name: "wharf-agents", private: true, description: "Agents installed by Wharf (the Install button on the Agents page).", dependencies: {} }, null, 2)}\n`);
  }
}

function lastLines(lines: readonly string[]): string[] {
  return lines.filter((line) => !/^npm http /.test(line)).slice(-15);
}

/** A registry URL without its host: the package path is what tells progress apart. */
function shortUrl(url: string): string {
  try {
    return decodeURIComponent(new URL(url).pathname.replace(/^\/+/, ""));
  } catch {
    return url;
  }
}
