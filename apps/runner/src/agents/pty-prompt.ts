/**
 * How a PTY agent gets its prompt, decided by its configured arguments:
 *
 * - an argument containing `{prompt}`: the prompt is put in its place (`-p {prompt}`, `--task={prompt}`);
 * - an argument that is exactly `{prompt:stdin}`: that argument is dropped and the prompt is typed
 *   into the terminal once the program has started, followed by Enter (each line of a multi-line
 *   prompt arrives as a line of input);
 * - neither: the prompt is appended as the last argument.
 */
const promptPlaceholder = "{prompt}";
const typedPromptArg = "{prompt:stdin}";

export type PtyInvocation = { args: string[]; typed: string | null };

export function ptyInvocation(args: readonly string[], prompt: string): PtyInvocation {
  if (args.includes(typedPromptArg)) {
    return { args: args.filter((a) => a !== typedPromptArg), typed: `${prompt.replace(/\r?\n/g, "\r")}\r` };
  }
  if (args.some((a) => a.includes(promptPlaceholder))) {
    return { args: args.map((a) => a.replaceAll(promptPlaceholder, prompt)), typed: null };
  }
  return { args: [...args, prompt], typed: null };
}

/** Terminal text without escape sequences, for error messages. */
export function plainText(terminal: string): string {
  return (
    terminal
      // OSC … BEL/ST, CSI … final byte, two-byte escapes.
      .replace(/\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)/g, "")
      .replace(/\x1b\[[0-?]*[ -/]*[@-~]/g, "")
      .replace(/\x1b[@-Z\\-_]/g, "")
      .replace(/\r\n/g, "\n")
      .replace(/\r/g, "\n")
      .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, "")
  );
}
