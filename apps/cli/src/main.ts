import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { createWharfClient, errorKind, exitCodes, readToken, type WharfClient } from "@wharf/client";
import { commands, NotFoundError, UsageError } from "./commands.ts";
import { readCliEnv } from "./env.ts";
import { help } from "./help.ts";
import { createStyle } from "./style.ts";

const globalOptions = {
  url: { type: "string" },
  token: { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const satisfies ParseArgsOptionsConfig;

const commandOptions: Record<string, ParseArgsOptionsConfig> = {
  "project add": { name: { type: "string" }, "base-branch": { type: "string" }, url: { type: "string" } },
  "task create": {
    project: { type: "string", short: "p" },
    agent: { type: "string", short: "a", multiple: true },
    runs: { type: "string" },
    model: { type: "string" },
    mode: { type: "string" },
    follow: { type: "boolean", short: "f" },
    "depends-on": { type: "string", multiple: true },
    parent: { type: "string" },
  },
  "task cancel": { "with-subtasks": { type: "boolean" } },
  "task pick": { pr: { type: "boolean" } },
  "task ls": { project: { type: "string", short: "p" }, state: { type: "string", multiple: true }, limit: { type: "string" } },
  "task follow": { "no-input": { type: "boolean" } },
  "project set": {
    remote: { type: "string" },
    forge: { type: "string" },
    "forge-api-url": { type: "string" },
    "forge-project": { type: "string" },
    "forge-token-stdin": { type: "boolean" },
    "clear-forge-token": { type: "boolean" },
  },
  "change apply": { path: { type: "string", multiple: true }, message: { type: "string", short: "m" } },
  "change rebase": { "hand-to-agent": { type: "boolean" } },
  "change push": { branch: { type: "string" } },
  "change pr": { title: { type: "string" }, body: { type: "string" }, draft: { type: "boolean" }, branch: { type: "string" } },
  "comment add": { path: { type: "string" }, line: { type: "string" }, "end-line": { type: "string" }, old: { type: "boolean" } },
};

const groups = new Set(["project", "task", "change", "comment", "token"]);

/** Runs one CLI invocation and returns its exit code (see help.ts for their meaning). */
export async function main(argv: string[]): Promise<number> {
  const env = readCliEnv();
  let command = "wharf";
  let rest = argv;
  if (argv[0] && !argv[0].startsWith("-")) {
    if (groups.has(argv[0]) && argv[1] && !argv[1].startsWith("-")) {
      command = `${argv[0]} ${argv[1]}`;
      rest = argv.slice(2);
    } else {
      command = argv[0];
      rest = argv.slice(1);
    }
  }
  const known = command in commands;
  if (!known && command !== "wharf" && !(groups.has(command) && rest.some((a) => a === "--help" || a === "-h"))) {
    return usage(`Unknown command "${argv.filter((a) => !a.startsWith("-")).slice(0, 2).join(" ")}".`, "wharf");
  }

  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: { ...globalOptions, ...commandOptions[command] }, allowPositionals: true, strict: true });
  } catch (error) {
    return usage((error as Error).message, known ? command : "wharf");
  }
  const { values, positionals } = parsed;
  if (values.help || command === "wharf" || !known) {
    process.stdout.write(`${help[known ? command : "wharf"]}\n`);
    return command === "wharf" && !values.help ? exitCodes.bad_request : exitCodes.ok;
  }

  const style = createStyle(env.color && !values.json);
  let client: WharfClient | null = null;
  const connect = () => {
    client ??= createWharfClient({
      url: typeof values.url === "string" ? values.url : env.url,
      token: typeof values.token === "string" ? values.token : (env.token ?? readToken(env.home)),
      actor: "cli",
    });
    return client;
  };
  try {
    return await commands[command]!({ client: connect, json: Boolean(values.json), interactive: env.interactive, style, values, positionals });
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message, error.command);
    const kind = error instanceof NotFoundError ? "not_found" : errorKind(error);
    const message = error instanceof Error ? error.message : String(error);
    const hint = kind === "unreachable" ? ` Is Wharf running at ${typeof values.url === "string" ? values.url : env.url}? Start it with "./wharf start", or pass --url / WHARF_URL.` : "";
    if (values.json) process.stderr.write(`${JSON.stringify({ error: { kind, message } })}\n`);
    else process.stderr.write(`wharf: ${kind === "unreachable" ? "cannot reach Wharf." : message}${hint}\n`);
    if (kind === "remote" && !values.json) process.stderr.write("wharf: nothing was changed.\n");
    if (kind === "server" && !values.json) process.stderr.write(`${(error as Error).stack ?? ""}\n`);
    return exitCodes[kind];
  }
}

function usage(message: string, command: string): number {
  process.stderr.write(`wharf: ${message}\nSee "wharf ${command === "wharf" ? "" : `${command} `}--help".\n`);
  return exitCodes.bad_request;
}
