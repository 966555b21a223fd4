import { runGit } from "./run-git";

export interface Remote {
  name: string;
  /** The URL pushes go to (`remote.<name>.pushurl`, else `remote.<name>.url`). */
  url: string;
}

/** The repository's remotes, in git's order. */
export async function listRemotes(repoPath: string): Promise<Remote[]> {
  const names = (await runGit(["remote"], { cwd: repoPath })).stdout.split("\n").filter((name) => name.length > 0);
  const remotes: Remote[] = [];
  for (const name of names) {
    const url = await runGit(["remote", "get-url", "--push", "--", name], { cwd: repoPath });
    remotes.push({ name, url: url.stdout.trim() });
  }
  return remotes;
}

/** The remote a project pushes to when it names none: `origin`, else the only remote, else none. */
export async function detectRemote(repoPath: string): Promise<Remote | undefined> {
  const remotes = await listRemotes(repoPath);
  return remotes.find((remote) => remote.name === "origin") ?? (remotes.length === 1 ? remotes[0] : undefined);
}

export type ForgeKind = "github" | "gitlab";

export interface RemoteLocation {
  /** Host name, with a port for https URLs that name one (`git.example.com:8443`). */
  host: string;
  /** The project path on the forge: `owner/repo`, or `group/subgroup/repo` on GitLab. */
  path: string;
  /** Everything before the last segment: the user, organisation or (nested) group. */
  owner: string;
  repo: string;
  /** Guessed from the host name; undefined when it names neither (configure it then). */
  forge: ForgeKind | undefined;
}

/**
 * Reads a remote URL in the forms forges hand out: `https://host/owner/repo(.git)`,
 * `ssh://git@host[:port]/owner/repo.git` and scp-like `git@host:owner/repo.git`, with nested
 * GitLab groups. Local paths, `file://` URLs and anything without an owner and a repository give
 * undefined.
 */
export function parseRemoteUrl(url: string): RemoteLocation | undefined {
  const trimmed = url.trim();
  let host: string;
  let path: string;
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/)(.+)$/.exec(trimmed);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)) {
    let parsed: URL;
    try {
      parsed = new URL(trimmed);
    } catch {
      return undefined;
    }
    const scheme = parsed.protocol.replace(/:$/, "").toLowerCase();
    if (!["https", "http", "ssh", "git", "git+ssh", "ssh+git"].includes(scheme) || parsed.hostname === "") return undefined;
    const isSsh = scheme.includes("ssh");
    host = parsed.port && !isSsh ? `${parsed.hostname}:${parsed.port}` : parsed.hostname;
    path = decodeURIComponent(parsed.pathname);
  } else if (scp && !trimmed.startsWith("/") && !trimmed.startsWith(".")) {
    host = scp[1] ?? "";
    path = scp[2] ?? "";
  } else {
    return undefined;
  }
  const segments = path
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .split("/")
    .filter((segment) => segment.length > 0);
  // GitLab web URLs sometimes end up as remotes: `/group/repo/-/tree/main`.
  const dash = segments.indexOf("-");
  if (dash >= 0) segments.splice(dash);
  if (segments.length < 2) return undefined;
  const repo = segments[segments.length - 1] ?? "";
  const owner = segments.slice(0, -1).join("/");
  const lower = host.toLowerCase();
  const forge: ForgeKind | undefined = lower.includes("github") ? "github" : lower.includes("gitlab") ? "gitlab" : undefined;
  return { host: lower, path: `${owner}/${repo}`, owner, repo, forge };
}
