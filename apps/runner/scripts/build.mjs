// Builds the runner into one ES module, dist/main.mjs, which `./wharf start` runs with plain Node
// (no TypeScript loader in the process: less memory, faster start). Wharf's own packages are
// compiled in; npm packages stay imports, resolved from apps/runner/node_modules at run time.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

await build({
  entryPoints: [path.join(root, "src", "main.ts")],
  outfile: path.join(root, "dist", "main.mjs"),
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node22",
  sourcemap: "linked",
  logLevel: "warning",
  plugins: [
    {
      name: "npm-packages-external",
      setup(b) {
        // Bare imports other than @wharf/* (and node: built-ins) are left to Node.
        b.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@wharf/") ? undefined : { path: args.path, external: true }));
      },
    },
  ],
});
