import { spawn } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import path from "node:path";
import { checkCommand } from "@wharf/common";

/**
 * Running npm for Wharf: the npm CLI next to the Node that runs Wharf (official Node builds ship
 * it), else the `npm` on PATH (how `./wharf` installs its own toolchain), always run by this
 * process's Node, so installed agents are checked against (and later run with) the same Node.
 */
export type NpmCommand = { command: string; args: string[] };

class NpmNotFoundError extends Error {
  constructor() {
    super("npm was not found: Wharf installs agents with npm. Install Node.js with npm (or put npm on the PATH Wharf starts with) and try again.");
    this.name = "NpmNotFoundError";
  }
}

export function locateNpm(searchPath: string | undefined): NpmCommand {
  const besideNode = path.join(path.dirname(path.dirname(process.execPath)), "lib", "node_modules", "npm", "bin", "npm-cli.js");
  if (existsSync(besideNode)) return { command: process.execPath, args: [besideNode] };
  const check = checkCommand("npm", searchPath ?? "", process.cwd());
  if (!check.ok) throw new NpmNotFoundError();
  const found = check.path;
  const real = realpathSync(found);
  return /\.[cm]?js$/.test(real) ? { command: process.execPath, args: [real] } : { command: found, args: [] };
}

/** Variables npm may see: what it needs to find the registry (the person's config, proxies, certificates), nothing of Wharf's. */
const allowedNames = new Set(["HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TMPDIR", "TZ", "SHELL", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS"]);
/** npm settings that would send the install elsewhere than Wharf's folder. */
const placement = new Set(["prefix", "global", "location", "dir", "workspace", "workspaces"]);

/**
 * The environment npm runs with: an allow-list (no DATABASE_URL, no PG*, no WHARF_*, no
 * NODE_OPTIONS), the person's `npm_config_*` settings except where to install, and this Node
 * first on PATH so install scripts and bins run with it.
 */
export function npmEnv(base: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(base)) {
    if (value === undefined) continue;
    const npmSetting = /^npm_config_(.+)$/i.exec(name)?.[1]?.toLowerCase().replaceAll("-", "_");
    if (npmSetting !== undefined ? !placement.has(npmSetting) : allowedNames.has(name) || name.startsWith("LC_") || name.startsWith("XDG_")) out[name] = value;
  }
  out.PATH = [path.dirname(process.execPath), base.PATH ?? ""].filter(Boolean).join(path.delimiter);
  out.NO_COLOR = "1";
  out.npm_config_update_notifier = "false";
  return out;
}

export type NpmInstallRequest = {
  /** The npm prefix: Wharf's agent folder. */
  prefix: string;
  /** `<package>@<version>`. */
  spec: string;
  /** Run the packages' install scripts (only for agents that need them). */
  scripts: boolean;
  /** A registry URL that overrides the person's npm config (WHARF_NPM_REGISTRY). */
  registry?: string | undefined;
};

/**
 * `npm install` into Wharf's agent folder: exact version saved in its package.json, no audit or
 * funding requests, one line per registry request (`--loglevel=http`) for the progress shown, and
 * few, short retries so an offline machine is told so within seconds.
 */
export function npmInstallArgs(req: NpmInstallRequest): string[] {
  return [
    "install",
    "--prefix",
    req.prefix,
    "--save-exact",
    "--no-audit",
    "--no-fund",
    "--no-update-notifier",
    "--loglevel=http",
    "--progress=false",
    "--color=false",
    "--fetch-retries=1",
    "--fetch-retry-mintimeout=1000",
    "--fetch-retry-maxtimeout=4000",
    ...(req.scripts ? [] : ["--ignore-scripts"]),
    ...(req.registry ? [`--registry=${req.registry}`] : []),
    req.spec,
  ];
}

export type NpmRun = { code: number | null; signal: NodeJS.Signals | null; lines: string[] };

/** Runs npm in its own process group, one callback per output line; `signal` stops the whole group. */
export function runNpm(npm: NpmCommand, args: string[], opts: { cwd: string; env: Record<string, string>; onLine: (line: string) => void; signal?: AbortSignal }): Promise<NpmRun> {
  return new Promise((resolve, reject) => {
    const lines: string[] = [];
    // A plain map on purpose: nothing else of this process (Next types NODE_ENV as required).
    const env = opts.env as NodeJS.ProcessEnv;
    const child = spawn(npm.command, [...npm.args, ...args], { cwd: opts.cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
    const stop = () => {
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    opts.signal?.addEventListener("abort", stop, { once: true });
    for (const stream of [child.stdout, child.stderr]) {
      let rest = "";
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => {
        const parts = (rest + chunk).split(/\r?\n/);
        rest = parts.pop() ?? "";
        for (const part of parts) take(part);
      });
      stream.on("end", () => {
        if (rest) take(rest);
        rest = "";
      });
    }
    function take(line: string) {
      const clean = line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, "").trimEnd().slice(0, 500);
      if (!clean) return;
      lines.push(clean);
      if (lines.length > 200) lines.shift();
      opts.onLine(clean);
    }
    child.on("error", (error) => {
      opts.signal?.removeEventListener("abort", stop);
      reject(error);
    });
    child.on("close", (code, signal) => {
      opts.signal?.removeEventListener("abort", stop);
      resolve({ code, signal, lines });
    });
  });
}

export type NpmFailureKind = "offline" | "refused" | "not_found" | "disk" | "permission" | "integrity" | "failed";

const offlineCodes = new Set(["ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "ENETDOWN", "ECONNABORTED", "ERR_SOCKET_TIMEOUT"]);

/** npm's error code (`npm error code E404`, or `npm ERR! code …` from older npm), if it printed one. */
export function npmErrorCode(lines: readonly string[]): string | null {
  for (const line of lines) {
    const match = /^npm (?:error|ERR!) code (\S+)/.exec(line);
    if (match?.[1]) return match[1];
  }
  for (const line of lines) {
    const match = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOSPC|EACCES|EPERM)\b/.exec(line);
    if (match?.[1]) return match[1];
  }
  return null;
}

/** What went wrong, said so a person can act on it. */
export function describeNpmFailure(opts: { code: string | null; spec: string; registry: string; prefix: string; exitCode: number | null }): { kind: NpmFailureKind; message: string } {
  const { code, spec, registry, prefix } = opts;
  if (code && offlineCodes.has(code)) {
    return { kind: "offline", message: `Wharf could not reach the npm registry ${registry} (${code}). Check the network connection (and a proxy, if one is needed), then try again.` };
  }
  if (code === "E401" || code === "E403") {
    return {
      kind: "refused",
      message: `The npm registry ${registry} refused to give ${spec} (${code}). Check that you may read this package there: your npm login (npm whoami), a token in ~/.npmrc, or the registry setting (npm config get registry).`,
    };
  }
  if (code === "E404" || code === "ETARGET") {
    return { kind: "not_found", message: `The npm registry ${registry} has no ${spec} (${code}). If you use a mirror, it may lack this package or version; check npm config get registry.` };
  }
  if (code === "ENOSPC") return { kind: "disk", message: `The disk is full: npm could not write ${spec} into ${prefix} (ENOSPC). Free some space and try again.` };
  if (code === "EACCES" || code === "EPERM" || code === "EROFS") {
    return { kind: "permission", message: `npm may not write into ${prefix} (${code}). Make the folder writable for the user Wharf runs as, and try again.` };
  }
  if (code === "EINTEGRITY") {
    return { kind: "integrity", message: `The package npm downloaded for ${spec} does not match its checksum (EINTEGRITY): a proxy or mirror changed it. Nothing was installed; try again, or check the registry.` };
  }
  const how = code ? `error ${code}` : opts.exitCode === null ? "was stopped" : `exit code ${opts.exitCode}`;
  return { kind: "failed", message: `npm could not install ${spec} (${how}). Its last lines are below.` };
}
