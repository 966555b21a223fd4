// Prints how long the agent takes from spawn to its `initialize` response (median of N runs).
// Usage: node scripts/startup-time.ts [runs]
import { spawn } from "node:child_process";
import { once } from "node:events";
import { testAgentBin } from "../src/paths.ts";

const runs = Number(process.argv[2] ?? 20);
const request = `${JSON.stringify({ jsonrpc: "2.0", id: 0, method: "initialize", params: { protocolVersion: 1 } })}\n`;
const times: number[] = [];

for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  const child = spawn(process.execPath, [testAgentBin], { stdio: ["pipe", "pipe", "inherit"] });
  child.stdin.write(request);
  await new Promise<void>((resolve) => {
    let seen = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      seen += chunk;
      if (seen.includes('"id":0')) resolve();
    });
  });
  times.push(performance.now() - t0);
  child.stdin.end();
  await once(child, "exit");
}

times.sort((a, b) => a - b);
const at = (q: number): string => (times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? NaN).toFixed(1);
process.stdout.write(`spawn → initialize response over ${runs} runs: min ${at(0)} ms, median ${at(0.5)} ms, max ${at(1)} ms\n`);
