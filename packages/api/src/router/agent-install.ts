import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { installedVersion } from "../agents/installed";
import { InstallConflictError, type AgentInstaller, type InstallJob } from "../agents/installer";
import { compareVersions } from "../agents/npm-registry";
import { knownAgentPresets, type AgentPreset, type NpmSource } from "../agents/presets";
import { protectedProcedure } from "../trpc";

const agentIdInput = z.object({ id: z.string().min(1).max(100) });

/** The built-in agent with an npm package, or a NOT_FOUND / PRECONDITION_FAILED a person can act on. */
function npmPreset(id: string): AgentPreset & { npm: NpmSource } {
  const preset = knownAgentPresets.find((p) => p.id === id);
  if (!preset) throw new TRPCError({ code: "NOT_FOUND", message: `"${id}" is not a built-in agent Wharf can install. See agent.installable for the ones it can.` });
  if (!preset.npm) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${preset.name} is not an npm package, so Wharf cannot install it. Install it yourself: ${preset.install}` });
  return { ...preset, npm: preset.npm };
}

function start(installs: AgentInstaller, preset: AgentPreset & { npm: NpmSource }, version: string, action: InstallJob["action"]) {
  try {
    return installs.start(preset.id, preset.npm, version, action);
  } catch (error) {
    if (error instanceof InstallConflictError) throw new TRPCError({ code: "CONFLICT", message: error.message, cause: error });
    throw error;
  }
}

export const agentInstall = {
  /**
   * What Wharf can install: each built-in agent that is an npm package, the version Install
   * installs, the version installed in Wharf's agent folder, and (for those installed) the
   * registry's latest, which Update goes to (kept a few minutes; `fresh` asks again).
   */
  installable: protectedProcedure.input(z.object({ fresh: z.boolean().optional() }).optional()).query(async ({ ctx, input }) => {
    const { installs, home } = ctx.services;
    return Promise.all(
      knownAgentPresets.flatMap((preset) => {
        if (!preset.npm) return [];
        const { package: pkg, version: pinned, bin } = preset.npm;
        const installed = installedVersion(home, pkg);
        const latest = installed
          ? installs.latestVersion(pkg, { fresh: input?.fresh === true }).then(
              (version) => ({ latest: version, latestError: null }),
              (error: unknown) => ({ latest: null, latestError: (error as Error).message }),
            )
          : Promise.resolve({ latest: null, latestError: null });
        return [latest.then((l) => ({ id: preset.id, package: pkg, bin, pinned, installed, ...l, updatable: installed !== null && l.latest !== null && compareVersions(l.latest, installed) > 0 }))];
      }),
    );
  }),

  /** Installs the agent's pinned version into `<WHARF_HOME>/agents`; follow it with `agent.installs`. */
  install: protectedProcedure.input(agentIdInput).mutation(({ ctx, input }) => {
    const preset = npmPreset(input.id);
    return start(ctx.services.installs, preset, preset.npm.version, "install");
  }),

  /** Installs the registry's latest version over the one in Wharf's agent folder, when it is newer. */
  update: protectedProcedure.input(agentIdInput).mutation(async ({ ctx, input }) => {
    const preset = npmPreset(input.id);
    const { installs, home } = ctx.services;
    const installed = installedVersion(home, preset.npm.package);
    if (!installed) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${preset.name} is not installed in Wharf's agent folder; install it first.` });
    let latest: string;
    try {
      latest = await installs.latestVersion(preset.npm.package);
    } catch (error) {
      throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: `Wharf could not ask the npm registry for the newest ${preset.npm.package}: ${(error as Error).message}`, cause: error });
    }
    if (compareVersions(latest, installed) <= 0) throw new TRPCError({ code: "PRECONDITION_FAILED", message: `${preset.name} ${installed} is already the newest version (the registry's latest is ${latest}).` });
    return start(installs, preset, latest, "update");
  }),

  /**
   * `agent.installs`: every install this server knows (the latest per agent) when it starts, then
   * each change of one (state, npm's progress line, the error and npm's last lines).
   */
  installs: protectedProcedure.input(z.void()).subscription(async function* ({ ctx, signal }) {
    const { installs } = ctx.services;
    const pending: InstallJob[] = [];
    let wake: (() => void) | null = null;
    const unsubscribe = installs.subscribe((job) => {
      // Only the newest state of a job matters to a slow reader.
      const at = pending.findIndex((p) => p.agentId === job.agentId);
      if (at === -1) pending.push(job);
      else pending[at] = job;
      wake?.();
    });
    const onAbort = () => wake?.();
    signal?.addEventListener("abort", onAbort);
    try {
      for (const job of installs.list()) yield job;
      while (!signal?.aborted) {
        const job = pending.shift();
        if (job) {
          yield job;
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
        wake = null;
      }
    } finally {
      unsubscribe();
      signal?.removeEventListener("abort", onAbort);
    }
  }),
};
