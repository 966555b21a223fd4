import { execFile } from "node:child_process";
import { z } from "zod";
import type { NpmCommand } from "./npm";

const defaultRegistry = "https://registry.npmjs.org/";

/**
 * The registry a package comes from, as npm would pick it: Wharf's override, else the person's
 * npm config (`@scope:registry` for a scoped package, then `registry`), else npm's default.
 */
export async function registryFor(pkg: string, opts: { override?: string | undefined; npm: () => NpmCommand; env: Record<string, string> }): Promise<string> {
  if (opts.override) return withSlash(opts.override);
  const config = await npmConfig(opts.npm, opts.env);
  const scope = pkg.startsWith("@") ? pkg.slice(0, pkg.indexOf("/")) : null;
  const url = (scope ? config[`${scope}:registry`] : undefined) ?? config.registry;
  return withSlash(typeof url === "string" && /^https?:\/\//.test(url) ? url : defaultRegistry);
}

const configSchema = z.record(z.string(), z.unknown());

/** `npm config list --json`: the person's settings (from ~/.npmrc, env); {} when npm cannot say. */
function npmConfig(npm: () => NpmCommand, env: Record<string, string>): Promise<Record<string, unknown>> {
  let command: NpmCommand;
  try {
    command = npm();
  } catch {
    return Promise.resolve({});
  }
  // A plain map on purpose: nothing else of this process (Next types NODE_ENV as required).
  const childEnv = env as NodeJS.ProcessEnv;
  return new Promise((resolve) => {
    execFile(command.command, [...command.args, "config", "list", "--json"], { env: childEnv, timeout: 10_000, maxBuffer: 1024 * 1024 }, (error, stdout) => {
      if (error) return resolve({});
      try {
        const parsed = configSchema.safeParse(JSON.parse(stdout));
        resolve(parsed.success ? parsed.data : {});
      } catch {
        resolve({});
      }
    });
  });
}

function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}

/** The part of a packument (the registry's document about a package) that says what is newest. */
const packumentSchema = z.object({ "dist-tags": z.object({ latest: z.string().min(1).max(100) }) });

class RegistryLookupError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RegistryLookupError";
  }
}

/** `dist-tags.latest` of a package: GET `<registry>/<package>` (the abbreviated packument). */
export async function latestVersion(registry: string, pkg: string, timeoutMs = 5000): Promise<string> {
  const url = `${registry}${pkg.replace("/", "%2f")}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8" }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : (error as Error).message;
    throw new RegistryLookupError(`The npm registry ${registry} could not be reached (${cause}).`, { cause: error });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new RegistryLookupError(`The npm registry ${registry} answered HTTP ${response.status} for ${pkg}.`);
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch (error) {
    throw new RegistryLookupError(`The npm registry ${registry} sent something that is not JSON for ${pkg}.`, { cause: error });
  }
  const parsed = packumentSchema.safeParse(body);
  if (!parsed.success) throw new RegistryLookupError(`The npm registry ${registry} names no latest version of ${pkg}.`);
  return parsed.data["dist-tags"].latest;
}

/** Compares two semver versions (prereleases sort before their release); non-versions compare equal. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(v.trim());
    return match ? { core: [Number(match[1]), Number(match[2]), Number(match[3])], pre: match[4]?.split(".") ?? [] } : null;
  };
  const x = parse(a);
  const y = parse(b);
  if (!x || !y) return 0;
  for (let i = 0; i < 3; i++) if (x.core[i] !== y.core[i]) return x.core[i]! < y.core[i]! ? -1 : 1;
  if (x.pre.length === 0 && y.pre.length === 0) return 0;
  if (x.pre.length === 0) return 1;
  if (y.pre.length === 0) return -1;
  for (let i = 0; i < Math.max(x.pre.length, y.pre.length); i++) {
    const p = x.pre[i];
    const q = y.pre[i];
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (p === q) continue;
    const pn = /^\d+$/.test(p);
    const qn = /^\d+$/.test(q);
    if (pn && qn) return Number(p) < Number(q) ? -1 : 1;
    if (pn !== qn) return pn ? -1 : 1;
    return p < q ? -1 : 1;
  }
  return 0;
}
