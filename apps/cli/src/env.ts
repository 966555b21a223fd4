import { DEFAULT_URL, wharfHome } from "@wharf/client";

/** Everything the CLI takes from its environment, read once. */
export type CliEnv = {
  url: string;
  token: string | undefined;
  home: string;
  /** Colours on stdout: a terminal without NO_COLOR, or FORCE_COLOR set. */
  color: boolean;
  /** stdin and stdout are a terminal: spinners and questions are possible. */
  interactive: boolean;
};

export function readCliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  const tty = Boolean(process.stdout.isTTY);
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "0";
  return {
    url: env.WHARF_URL || DEFAULT_URL,
    token: env.WHARF_TOKEN || undefined,
    home: wharfHome(env),
    color: force || (tty && !env.NO_COLOR && env.TERM !== "dumb"),
    interactive: tty && Boolean(process.stdin.isTTY),
  };
}
