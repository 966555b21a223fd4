import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomInt } from "node:crypto";
import { appendFileSync, mkdirSync, mkdtempSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { migrate, quietLogger, startEmbeddedPostgres, type EmbeddedPostgres } from "@wharf/db";

/*
 * Hosts on one machine for fleet tests: each "host" is a network namespace joined to this one by a
 * veth pair (10.77.N.1 here, 10.77.N.2 there), and each process started in it also gets a mount
 * namespace of its own in which chosen folders are hidden under an empty tmpfs. One PostgreSQL
 * listens on the host ends of the veths (and loopback) and takes passwords from their subnet, as a
 * database server on a LAN would.
 */

function ip(...args: string[]): string {
  return execFileSync("ip", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Why namespaces cannot be made here, or null when they can (root with CAP_NET_ADMIN, `ip` and `unshare` present). */
export function namespacesUnavailable(): string | null {
  if (process.platform !== "linux") return `network namespaces need Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return "network namespaces need root (CAP_NET_ADMIN and CAP_SYS_ADMIN); run the tests as root to include them";
  const probe = `wfprobe${process.pid % 100_000}`;
  try {
    ip("netns", "add", probe);
    ip("netns", "del", probe);
    execFileSync("unshare", ["--mount", "true"], { stdio: "ignore" });
    return null;
  } catch (error) {
    return `cannot make network or mount namespaces here (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`;
  }
}

export type NetHost = {
  /** Namespace name (`ip netns`). */
  name: string;
  /** This side's address of the veth: what the host's servers listen on for it. */
  hostAddress: string;
  /** The namespace's own address. */
  address: string;
  /** The veth's name on this side (deleting it cuts the namespace off). */
  veth: string;
};

/** Used subnets' third octets, from the addresses on this host's interfaces. */
function usedOctets(): Set<number> {
  const used = new Set<number>();
  for (const match of ip("-4", "-o", "addr", "show").matchAll(/inet 10\.77\.(\d+)\./g)) used.add(Number(match[1]));
  return used;
}

/**
 * `count` network namespaces, each with a veth pair to this one. Names and subnets are unique per
 * run (several test runs may share the machine). `close()` kills what runs in them and deletes them
 * with their veths; it also runs at process exit, so a failed or interrupted run leaves nothing.
 */
export function createNetHosts(count: number): { hosts: NetHost[]; close(): void } {
  const tag = `${(process.pid % 10_000).toString(36)}${randomInt(36 ** 3).toString(36)}`;
  const hosts: NetHost[] = [];
  const close = () => {
    for (const host of hosts.splice(0)) {
      killAllIn(host.name);
      for (const args of [["link", "del", host.veth], ["netns", "del", host.name]]) {
        try {
          ip(...args);
        } catch {
          // Already gone (a test cut the veth; deleting the namespace also removes its veth pair).
        }
      }
    }
  };
  process.once("exit", close);
  try {
    const used = usedOctets();
    for (let i = 0; i < count; i++) {
      let octet = randomInt(1, 255);
      while (used.has(octet)) octet = randomInt(1, 255);
      used.add(octet);
      const host: NetHost = { name: `wharf-${tag}-${i}`, hostAddress: `10.77.${octet}.1`, address: `10.77.${octet}.2`, veth: `wh${tag}${i}` };
      const peer = `wn${tag}${i}`;
      ip("netns", "add", host.name);
      hosts.push(host);
      ip("link", "add", host.veth, "type", "veth", "peer", "name", peer);
      ip("link", "set", peer, "netns", host.name);
      ip("addr", "add", `${host.hostAddress}/24`, "dev", host.veth);
      ip("link", "set", host.veth, "up");
      ip("-n", host.name, "addr", "add", `${host.address}/24`, "dev", peer);
      ip("-n", host.name, "link", "set", peer, "up");
      ip("-n", host.name, "link", "set", "lo", "up");
      // Every address of this host (other veths' too) is reachable through its own veth.
      ip("-n", host.name, "route", "add", "default", "via", host.hostAddress);
    }
  } catch (error) {
    close();
    throw error;
  }
  return {
    hosts,
    close: () => {
      process.removeListener("exit", close);
      close();
    },
  };
}

/** SIGKILLs every process in the namespace (a host losing power). */
export function killAllIn(name: string): number[] {
  let pids: number[];
  try {
    pids = ip("netns", "pids", name).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Exited meanwhile.
    }
  }
  return pids;
}

/** Cuts the namespace off the network: its veth goes, and its open connections with it. */
export function cutNetwork(host: NetHost): void {
  ip("link", "del", host.veth);
}

/**
 * Runs `command` in `host`'s network namespace and a mount namespace of its own in which each of
 * `hide` is an empty tmpfs (the folder does not exist for it as it does here), except `keep`,
 * folders inside a hidden one bound back in. Environment exactly `env`.
 */
export function spawnInHost(
  host: NetHost,
  command: string[],
  opts: { env: Record<string, string | undefined>; cwd: string; hide?: string[]; keep?: string[] },
): ChildProcess {
  const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const stage = opts.keep?.length ? mkdtempSync(path.join(os.tmpdir(), "wharf-ns-stage-")) : "";
  const keep = (opts.keep ?? []).map((dir, i) => ({ dir, staged: path.join(stage, String(i)) }));
  const script = [
    "set -e",
    // Kept folders are bound aside first: the tmpfs hides their originals.
    ...keep.map(({ dir, staged }) => `mkdir -p ${q(staged)} && mount --bind ${q(dir)} ${q(staged)}`),
    ...(opts.hide ?? []).map((dir) => `mount -t tmpfs -o size=1m,mode=755 wharf-hidden ${q(dir)}`),
    ...keep.map(({ dir, staged }) => `mkdir -p ${q(dir)} && mount --bind ${q(staged)} ${q(dir)}`),
    `cd ${q(opts.cwd)}`,
    `exec ${command.map(q).join(" ")}`,
  ].join("\n");
  return spawn("nsenter", [`--net=/run/netns/${host.name}`, "unshare", "--mount", "--propagation", "private", "sh", "-c", script], {
    env: Object.fromEntries(Object.entries(opts.env).filter((e): e is [string, string] => e[1] !== undefined)),
    stdio: ["ignore", "pipe", "pipe"],
  });
}

export type NetDatabase = {
  server: EmbeddedPostgres;
  /** A migrated database's URL through loopback (for this side). */
  url: string;
  /** The same database through `host`'s veth (for processes in the namespace). */
  urlFor(host: NetHost): string;
  stop(): Promise<void>;
};

/**
 * A PostgreSQL server of its own for the run, listening on loopback and on each host's veth
 * address, with password (scram) logins allowed from the veths' subnets, and a migrated database.
 */
export async function startNetDatabase(hosts: NetHost[]): Promise<NetDatabase> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), "wharf-netns-pg-"));
  const server = await startEmbeddedPostgres({
    dataDir,
    database: "wharf",
    fastInit: true,
    settings: {
      listen_addresses: ["127.0.0.1", ...hosts.map((h) => h.hostAddress)].join(","),
      fsync: "off",
      synchronous_commit: "off",
      full_page_writes: "off",
      max_connections: "300",
    },
    log: quietLogger,
      });
  appendFileSync(path.join(dataDir, "pg_hba.conf"), hosts.map((h) => `host all all ${h.address}/32 scram-sha-256\n`).join(""));
  const client = new pg.Client({ connectionString: server.adminUrl });
  await client.connect();
  try {
    await client.query("select pg_reload_conf()");
  } finally {
    await client.end();
  }
  await migrate(server.url);
  return {
    server,
    url: server.url,
    urlFor(host) {
      const url = new URL(server.url);
      url.hostname = host.hostAddress;
      return url.toString();
    },
    async stop() {
      await server.stop();
      execFileSync("rm", ["-rf", dataDir]);
    },
  };
}

/**
 * `git daemon` serving every repository under `base` read-only on the hosts' veth addresses
 * (`git://<hostAddress>:<port>/<name>`), as a forge on the LAN would.
 */
export async function serveRepos(base: string, hosts: NetHost[], port: number): Promise<{ urlFor(host: NetHost, name: string): string; stop(): Promise<void> }> {
  mkdirSync(base, { recursive: true });
  const child = spawn(
    "git",
    ["daemon", "--verbose", "--export-all", "--reuseaddr", `--base-path=${base}`, `--port=${port}`, ...hosts.map((h) => `--listen=${h.hostAddress}`), base],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  // Also when the run ends without its clean-up (a hook timed out): no daemon outlives it.
  const kill = () => child.kill("SIGTERM");
  process.once("exit", kill);
  await new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`git daemon did not start within 15 s:\n${output}`)), 15_000);
    child.stderr.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      // It says so once it listens on every address.
      if (output.includes("Ready to rumble")) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`git daemon exited (${code}) before listening:\n${output}`));
    });
  });
  return {
    urlFor: (host, name) => `git://${host.hostAddress}:${port}/${name}`,
    async stop() {
      process.removeListener("exit", kill);
      kill();
      await exited;
    },
  };
}
