// @ts-check
// Builds the launcher (scripts/start.ts and what it imports from scripts/launcher, @wharf/db and
// @wharf/api) into one ES module, scripts/dist/launcher.mjs, which `./wharf start` runs with plain
// Node: no TypeScript loader in the process. npm packages stay imports, fixed at build time to the
// files they resolve to here (the launcher's own package does not list @wharf/db's dependencies).
import { build } from "esbuild";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const scriptsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const launcherOutfile = path.join(scriptsDir, "dist", "launcher.mjs");

/** Builds the launcher; resolves with the output file. */
export async function buildLauncher() {
  await build({
    entryPoints: [path.join(scriptsDir, "start.ts")],
    outfile: launcherOutfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node22",
    logLevel: "warning",
    plugins: [
      {
        name: "npm-packages-external",
        setup(b) {
          b.onResolve({ filter: /^[^./]/ }, async (args) => {
            if (args.path.startsWith("node:") || args.path.startsWith("@wharf/") || args.pluginData === "resolving") return undefined;
            const resolved = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "resolving" });
            if (resolved.errors.length > 0) return { errors: resolved.errors };
            return { path: resolved.path, external: true };
          });
        },
      },
      {
        // Modules that find files next to themselves (migrations, the PostgreSQL binaries) keep
        // their own location, not the bundle's.
        name: "keep-import-meta",
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => {
            if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
            const source = await readFile(args.path, "utf8");
            const contents = source
              .replaceAll("import.meta.url", JSON.stringify(pathToFileURL(args.path).href))
              .replaceAll("import.meta.dirname", JSON.stringify(path.dirname(args.path)));
            return { contents, loader: "ts" };
          });
        },
      },
    ],
  });
  return launcherOutfile;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await buildLauncher();
