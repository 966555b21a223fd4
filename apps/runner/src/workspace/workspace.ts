import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { TaskEvent } from "@wharf/api/schemas";
import { agentEnv } from "../agent-env";
import type { Logger } from "../agents/transport";
import { copyIgnoredFiles } from "./copy-files";
import { runScriptStep, type ScriptStepResult } from "./script-step";

/** What the runner needs of a project to prepare and clean up a task's worktree. */
export type ProjectWorkspace = {
  projectId: string;
  repoPath: string;
  setupScript: string | null;
  teardownScript: string | null;
  copyFiles: readonly string[];
  setupTimeoutSeconds: number;
  /** The agent's sandbox network switch: setup runs with the same confinement as the agent. */
  network: boolean;
};

/** The workspace settings of a task's row (the task joined with its project and agent). */
export function projectWorkspace(row: {
  project_id: string;
  repo_path: string;
  setup_script: string | null;
  teardown_script: string | null;
  copy_files: string[] | null;
  setup_timeout_seconds: number;
  sandbox_network: boolean;
}): ProjectWorkspace {
  return {
    projectId: row.project_id,
    repoPath: row.repo_path,
    setupScript: row.setup_script,
    teardownScript: row.teardown_script,
    copyFiles: row.copy_files ?? [],
    setupTimeoutSeconds: row.setup_timeout_seconds,
    network: row.sandbox_network,
  };
}

/** A teardown gets this long; it never blocks the worktree's removal. */
const TEARDOWN_TIMEOUT_MS = 60_000;

/**
 * Setup and teardown of task worktrees, and the per-project cache their scripts share.
 *
 * The cache is `<WHARF_HOME>/cache/<project>`: its path is given to scripts and services as
 * `WHARF_CACHE_DIR`, with npm's cache, pnpm's store and the XDG cache pointed into it, and it is
 * writable inside the sandbox. Worktrees of one project share it, so the second install of the same
 * dependencies is served from it.
 */
export class Workspaces {
  constructor(private readonly opts: { cacheDir: string; graceMs: number; log: Logger }) {}

  /** The project's cache folder (made when missing) and the variables that point tools into it. */
  async cache(projectId: string): Promise<{ dir: string; env: Record<string, string> }> {
    const dir = path.join(this.opts.cacheDir, projectId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return {
      dir,
      env: {
        WHARF_CACHE_DIR: dir,
        npm_config_cache: path.join(dir, "npm"),
        PNPM_STORE_DIR: path.join(dir, "pnpm-store"),
        npm_config_store_dir: path.join(dir, "pnpm-store"),
        XDG_CACHE_HOME: path.join(dir, "xdg"),
      },
    };
  }

  /** The environment of setup, teardown and services: the runner's allow-list (no secrets) and the cache. */
  async scriptEnv(projectId: string, extra: Record<string, string> = {}): Promise<{ env: Record<string, string>; writable: string[] }> {
    const cache = await this.cache(projectId);
    return { env: { ...agentEnv(process.env, {}), ...cache.env, ...extra }, writable: [cache.dir] };
  }

  /**
   * Copies the project's ignored files into a new worktree and runs its setup script there, as a
   * step of the task's timeline. Null when the project has neither.
   */
  async setup(project: ProjectWorkspace, worktree: string, run: { onEvent(event: TaskEvent): void; signal?: AbortSignal }): Promise<ScriptStepResult | null> {
    return (await this.beginSetup(project, worktree, run)).script;
  }

  /**
   * The same in two parts: resolves once the files are copied (an agent reads settings such as
   * `.claude/settings.local.json` when its session starts), with the script's run still under
   * way, so a task starts its agent's session while the script runs and prompts after it ends.
   * The script's promise never rejects: a failure to start is a result.
   */
  async beginSetup(project: ProjectWorkspace, worktree: string, run: { onEvent(event: TaskEvent): void; signal?: AbortSignal }): Promise<{ script: Promise<ScriptStepResult | null> }> {
    const script = project.setupScript?.trim() ? project.setupScript : null;
    if (!script && project.copyFiles.length === 0) return { script: Promise.resolve(null) };
    const started = performance.now();
    let notes: string[];
    try {
      const copied = await copyIgnoredFiles({ from: project.repoPath, to: worktree, patterns: project.copyFiles });
      notes = [...copied.copied.map((p) => `Copied ${p}`), ...copied.skipped.map((s) => `Not copied: ${s.path} ${s.reason}`)];
    } catch (error) {
      const message = `Copying the project's files failed: ${error instanceof Error ? error.message : String(error)}`;
      run.onEvent({ type: "tool_call", toolCallId: "wharf-setup-copy", title: message, kind: "execute", status: "failed" });
      return { script: Promise.resolve({ ok: false, reason: "start", message, tail: "", durationMs: Math.round(performance.now() - started) }) };
    }
    if (!script) {
      run.onEvent({ type: "tool_call", toolCallId: "wharf-setup-copy", title: "Copied the project's files", kind: "execute", status: "completed", content: [{ type: "text", text: notes.join("\n") }] });
      return { script: Promise.resolve({ ok: true, durationMs: Math.round(performance.now() - started) }) };
    }
    const running = this.scriptEnv(project.projectId).then(({ env, writable }) =>
      runScriptStep({
        kind: "setup",
        script,
        worktree,
        env,
        writable,
        network: project.network,
        timeoutMs: project.setupTimeoutSeconds * 1000,
        graceMs: this.opts.graceMs,
        signal: run.signal,
        notes,
        onEvent: run.onEvent,
        log: this.opts.log,
      }),
    );
    return {
      script: running.catch((error: unknown): ScriptStepResult => {
        const message = `The setup script could not run: ${error instanceof Error ? error.message : String(error)}`;
        return { ok: false, reason: "start", message, tail: "", durationMs: Math.round(performance.now() - started) };
      }),
    };
  }

  /** Runs the teardown script before a worktree is removed; its failure is shown, never thrown. */
  async teardown(project: ProjectWorkspace, worktree: string, onEvent: (event: TaskEvent) => void): Promise<void> {
    const script = project.teardownScript?.trim() ? project.teardownScript : null;
    if (!script) return;
    try {
      const { env, writable } = await this.scriptEnv(project.projectId);
      const result = await runScriptStep({ kind: "teardown", script, worktree, env, writable, network: project.network, timeoutMs: TEARDOWN_TIMEOUT_MS, graceMs: this.opts.graceMs, onEvent, log: this.opts.log });
      if (!result.ok) this.opts.log.warn("the teardown script failed; the worktree is removed anyway", { worktree, message: result.message });
    } catch (error) {
      this.opts.log.error("the teardown script could not run; the worktree is removed anyway", { worktree, error });
    }
  }
}
