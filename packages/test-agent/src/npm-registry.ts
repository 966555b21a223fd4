import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** A package the stand-in publishes: an ACP agent whose bin runs this package's scripted agent. */
export type AgentPackage = { name: string; version: string; bin: string };

export type NpmRegistryStandIn = {
  /** The registry URL, with a trailing slash (what `--registry` and WHARF_NPM_REGISTRY take). */
  url: string;
  /** `GET /path` of every request, in order. */
  requests: string[];
  /** Publishes another version (packed with `npm pack`); it becomes `latest` when it is the newest. */
  publish(pkg: AgentPackage): void;
  /** Answers requests for packuments or tarballs with this status until `allow()`. */
  refuse(status: number, what: "packument" | "tarball"): void;
  allow(): void;
  /** Keeps tarball requests waiting (an install stays in progress) until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
};

const scriptedAgent = fileURLToPath(new URL("../bin/wharf-test-agent.mjs", import.meta.url));

type Published = { pkg: AgentPackage; file: string; shasum: string; integrity: string };

/**
 * A local stand-in for the npm registry, speaking its real shapes: `GET /<name>` (scoped names as
 * `@scope%2fname`) answers the packument (`dist-tags`, `versions[v].dist.tarball`, `shasum`,
 * `integrity`), `GET /<name>/-/<file>.tgz` the tarball `npm pack` made. The packages are real npm
 * packages whose bin starts the scripted test agent, so an agent installed from here runs tasks.
 */
export async function startNpmRegistry(packages: AgentPackage[]): Promise<NpmRegistryStandIn> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "wharf-npm-registry-"));
  const published = new Map<string, Published[]>();
  const requests: string[] = [];
  let refusal: { status: number; what: "packument" | "tarball" } | null = null;
  let held: (() => void)[] | null = null;

  const publish = (pkg: AgentPackage) => {
    const list = published.get(pkg.name) ?? [];
    list.push(pack(pkg, dir));
    published.set(pkg.name, list);
  };
  for (const pkg of packages) publish(pkg);

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const route = decodeURIComponent(url.pathname.slice(1));
    const tarball = /^(.+)\/-\/([^/]+\.tgz)$/.exec(route);
    if (req.method !== "GET") return send(405, { error: "method not allowed" });
    if (refusal && refusal.what === (tarball ? "tarball" : "packument")) return send(refusal.status, { error: refusal.status === 404 ? "Not found" : "forbidden" });
    if (tarball) {
      const found = (published.get(tarball[1]!) ?? []).find((p) => path.basename(p.file) === tarball[2]);
      if (!found) return send(404, { error: "Not found" });
      const bytes = readFileSync(found.file);
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bytes.length });
      return res.end(bytes);
    }
    const versions = published.get(route);
    if (!versions) return send(404, { error: "Not found" });
    send(200, packument(route, versions, `http://${req.headers.host}/`));
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://registry.invalid");
    requests.push(`${req.method} ${url.pathname}`);
    if (held && url.pathname.endsWith(".tgz")) held.push(() => answer(req, res, url));
    else answer(req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    publish,
    refuse: (status, what) => {
      refusal = { status, what };
    },
    allow: () => {
      refusal = null;
    },
    hold: () => {
      held ??= [];
    },
    release: () => {
      const waiting = held ?? [];
      held = null;
      for (const go of waiting) go();
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The packument npm reads: every version with its dist, the newest as `latest`. */
function packument(name: string, versions: Published[], base: string) {
  const newest = [...versions].sort((a, b) => compare(b.pkg.version, a.pkg.version))[0]!;
  const time: Record<string, string> = { created: new Date(0).toISOString(), modified: new Date().toISOString() };
  for (const v of versions) time[v.pkg.version] = new Date().toISOString();
  return {
    _id: name,
    name,
    "dist-tags": { latest: newest.pkg.version },
    versions: Object.fromEntries(
      versions.map((v) => [
        v.pkg.version,
        {
          _id: `${name}@${v.pkg.version}`,
          name,
          version: v.pkg.version,
          bin: { [v.pkg.bin]: "bin/agent.mjs" },
          dist: { tarball: `${base}${name}/-/${path.basename(v.file)}`, shasum: v.shasum, integrity: v.integrity },
        },
      ]),
    ),
    time,
  };
}

/**
 * Writes the package and packs it with `npm pack`: a real npm tarball. npm pack keeps what it packs
 * in its cache, where an install would find it by checksum without asking the registry, so it
 * packs with a cache of its own.
 */
function pack(pkg: AgentPackage, dir: string): Published {
  const src = path.join(dir, "src", `${pkg.name.replace("/", "__")}-${pkg.version}`);
  mkdirSync(path.join(src, "bin"), { recursive: true });
  writeFileSync(
    path.join(src, "package.json"),
    `${JSON.stringify({ name: pkg.name, version: pkg.version, description: "Wharf's scripted ACP test agent, packed for a local npm registry.", type: "module", bin: { [pkg.bin]: "bin/agent.mjs" } }, null, 2)}\n`,
  );
  // The bin starts the scripted agent of this checkout (a path inside Wharf's own checkout, which
  // the sandbox keeps readable).
  writeFileSync(path.join(src, "bin", "agent.mjs"), `#!/usr/bin/env node\nawait import(${JSON.stringify(pathToFileURL(scriptedAgent).href)});\n`, { mode: 0o755 });
  const out = path.join(dir, "tarballs");
  mkdirSync(out, { recursive: true });
  const [info] = JSON.parse(execFileSync("npm", ["pack", "--json", "--pack-destination", out], { cwd: src, encoding: "utf8", env: { ...process.env, npm_config_update_notifier: "false", npm_config_cache: path.join(dir, "pack-cache") } })) as [{ filename: string; integrity: string; shasum: string }];
  const file = path.join(out, info.filename.replace(/^@/, "").replace("/", "-"));
  const bytes = readFileSync(file);
  // What npm pack reports must be the file's own hashes, or npm install would refuse it.
  const integrity = `sha512-${createHash("sha512").update(bytes).digest("base64")}`;
  if (integrity !== info.integrity) throw new Error(`npm pack reported ${info.integrity}, the file has ${integrity}`);
  return { pkg, file, shasum: createHash("sha1").update(bytes).digest("hex"), integrity };
}

function compare(a: string, b: string): number {
  const x = a.split(/[.-]/).map(Number);
  const y = b.split(/[.-]/).map(Number);
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}
