import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runGit } from "./run-git";

/** A fresh folder under the system temp dir (symlinks resolved). */
export async function createTempDir(prefix = "wharf-git-"): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), prefix)));
}

/** Runs git in `cwd` with Wharf's fixed settings and returns trimmed stdout. */
export async function gitOutput(cwd: string, ...args: string[]): Promise<string> {
  return (await runGit(args, { cwd })).stdout.trim();
}

export interface TestRepo {
  path: string;
  /** Runs git in the repository (Wharf's fixed settings and identity) and returns trimmed stdout. */
  git(...args: string[]): Promise<string>;
  /** Writes files (creating folders); `null` deletes. Paths are relative to the repository. */
  write(files: Record<string, string | Buffer | null>): Promise<void>;
  /** Writes files, stages everything and commits; returns the new commit id. */
  commit(files: Record<string, string | Buffer | null>, message?: string): Promise<string>;
  remove(): Promise<void>;
}

/** A real git repository in a temp folder, on branch `main`, with one commit of `files`. */
export async function createTestRepo(files: Record<string, string | Buffer> = { "README.md": "# test\n" }): Promise<TestRepo> {
  const root = await createTempDir();
  const path = join(root, "repo");
  await mkdir(path);
  const git = (...args: string[]) => gitOutput(path, ...args);
  const write = async (changes: Record<string, string | Buffer | null>) => {
    for (const [file, content] of Object.entries(changes)) {
      const target = join(path, file);
      if (content === null) {
        await rm(target, { force: true });
      } else {
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, content);
      }
    }
  };
  const commit = async (changes: Record<string, string | Buffer | null>, message = "change") => {
    await write(changes);
    await git("add", "--all");
    await git("commit", "--quiet", "--allow-empty", "-m", message);
    return git("rev-parse", "HEAD");
  };
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    await git("init", "--quiet", "--initial-branch=main");
    await commit(files, "initial");
  } catch (error) {
    await remove();
    throw error;
  }
  return { path, git, write, commit, remove };
}

/** An HTTP server on 127.0.0.1 that answers every request 401 with a Basic challenge: a remote that wants credentials. */
export async function startPasswordServer(): Promise<{ url: (path: string) => string; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    res.writeHead(401, { "WWW-Authenticate": 'Basic realm="wharf test"' });
    res.end("unauthorized\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: (path) => `http://127.0.0.1:${port}${path}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
