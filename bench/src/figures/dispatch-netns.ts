import { createServer, connect, type Server } from "node:net";
import { createNetHosts, namespacesUnavailable, spawnInHost } from "@wharf/runner/netns";
import type { Figure } from "../figure";
import { summarize } from "../stats";
import { measureDispatch } from "./dispatch";

/**
 * A TCP relay from `listenHost:port` to the database's loopback address: the bench database
 * listens on loopback only, and a runner in another network namespace reaches it through its veth.
 */
async function relay(listenHost: string, target: URL): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((inbound) => {
    const outbound = connect({ host: target.hostname, port: Number(target.port) });
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    inbound.pipe(outbound).pipe(inbound);
    const end = () => {
      inbound.destroy();
      outbound.destroy();
    };
    inbound.once("error", end).once("close", end);
    outbound.once("error", end).once("close", end);
  });
  await new Promise<void>((resolve, reject) => server.once("error", reject).listen(0, listenHost, resolve));
  const url = new URL(target);
  url.hostname = listenHost;
  url.port = String((server.address() as { port: number }).port);
  return { url: url.toString(), close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Dispatch with the runner on "another host": its own network namespace, the database across a veth. */
export const dispatchNetns: Figure = {
  id: "dispatch-netns",
  title: "dispatch latency to a runner in another network namespace",
  async run(ctx) {
    const figure = "1c dispatch across hosts";
    const metric = "task.create returned → `running` at subscriber, runner in another network namespace";
    const unavailable = namespacesUnavailable();
    if (unavailable) return [{ figure, metric, value: `skipped: ${unavailable}`, met: null }];
    // This runner alone takes the tasks.
    await ctx.stopRunner();
    const net = createNetHosts(1);
    const host = net.hosts[0]!;
    const db = await relay(host.hostAddress, new URL(ctx.stack.databaseUrl));
    try {
      const runner = await ctx.stack.startRunner({
        concurrency: 10,
        idleMs: 3000,
        // The sandbox's own network namespace would hide the veth from the agent; this figure is about dispatch.
        sandbox: "off",
        databaseUrl: db.url,
        launch: (command, opts) => spawnInHost(host, command, opts),
      });
      try {
        const { latency } = await measureDispatch(ctx, ctx.quick ? 15 : 40);
        const s = summarize(latency);
        return [{ figure, metric, summary: s, target: "p50 ≤ 25", met: s.median <= 25, note: `veth ${host.hostAddress} → ${host.address}; database through a TCP relay on the veth` }];
      } finally {
        await runner.stop();
      }
    } finally {
      await db.close();
      net.close();
    }
  },
};
