import { createHash } from "node:crypto";
import type { Stats } from "node:fs";
import { lstat, readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { isWithin } from "./confine";

const modulesManifest = z.object({ storeDir: z.string().min(1) });

/**
 * Whether a hard-linked file inside `root` is a file of pnpm's content-addressable store, the
 * one kind of hard link a real project has (pnpm links every package file from its store into
 * node_modules). pnpm names a store file by the SHA-512 of its content:
 * `<storeDir>/files/<2 hex>/<126 hex>` (`-exec` for executables), and the nearest
 * `node_modules/.modules.yaml` (JSON) names the store. The file is allowed only when that store
 * path exists outside `root` and is the same inode (dev + ino): the store holds package files,
 * so a hard link to anything else — a secret, the token — is still refused. A store named inside
 * the worktree does not count (the agent could have built it).
 */
export async function isPnpmStoreFile(root: string, file: string, stat: Stats, content: Buffer): Promise<boolean> {
  const storeDir = await storeDirFor(root, file);
  if (!storeDir) return false;
  const hex = createHash("sha512").update(content).digest("hex");
  for (const name of [hex.slice(2), `${hex.slice(2)}-exec`]) {
    try {
      const stored = await lstat(path.join(storeDir, "files", hex.slice(0, 2), name));
      if (stored.isFile() && stored.dev === stat.dev && stored.ino === stat.ino) return true;
    } catch {
      // not in the store under this name
    }
  }
  return false;
}

/** The store named by the nearest `node_modules/.modules.yaml` between `file` and `root`; null if none or inside `root`. */
async function storeDirFor(root: string, file: string): Promise<string | null> {
  for (let dir = path.dirname(file); isWithin(root, dir) && dir !== root; dir = path.dirname(dir)) {
    if (path.basename(dir) !== "node_modules") continue;
    let text: string;
    try {
      text = await readFile(path.join(dir, ".modules.yaml"), "utf8");
    } catch {
      continue;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return null;
    }
    const parsed = modulesManifest.safeParse(json);
    if (!parsed.success || !path.isAbsolute(parsed.data.storeDir)) return null;
    const storeDir = path.resolve(parsed.data.storeDir);
    return isWithin(root, storeDir) ? null : storeDir;
  }
  return null;
}
