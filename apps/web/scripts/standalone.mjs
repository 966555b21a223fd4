// After `next build` (output: "standalone"): puts the static assets next to the standalone
// server, which serves them itself, so `node .next/standalone/apps/web/server.js` is the whole
// web app. The standalone server loads only what the app uses, not the `next` CLI: about 25 MiB
// less resident memory than `next start`.
import { cpSync, existsSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(webDir, "../..");
const serverDir = path.join(webDir, ".next", "standalone", path.relative(repoRoot, webDir));
if (!existsSync(path.join(serverDir, "server.js"))) {
  console.error(`No standalone server at ${serverDir}/server.js: is output: "standalone" still set in next.config.ts?`);
  process.exit(1);
}
const target = path.join(serverDir, ".next", "static");
rmSync(target, { recursive: true, force: true });
cpSync(path.join(webDir, ".next", "static"), target, { recursive: true });
if (existsSync(path.join(webDir, "public"))) cpSync(path.join(webDir, "public"), path.join(serverDir, "public"), { recursive: true });
