/**
 * Slash-command completion for prompt boxes: typing `/` at the very start of a prompt offers the
 * agent's commands; accepting one replaces what was typed after the slash with the command name.
 */

export type SlashCommand = { name: string; description: string; hint?: string };

/** The text typed after a leading `/`, while the caret is still in that first word; otherwise null. */
export function slashQuery(value: string, caret: number): string | null {
  if (!value.startsWith("/")) return null;
  const head = value.slice(1, caret);
  if (caret < 1 || /\s/.test(head)) return null;
  return head;
}

/** Commands whose name starts with the query first, then those that contain it. */
export function matchCommands(commands: SlashCommand[], query: string, limit = 50): SlashCommand[] {
  const q = query.toLowerCase();
  const prefix: SlashCommand[] = [];
  const inner: SlashCommand[] = [];
  const seen = new Set<string>();
  for (const command of commands) {
    const name = command.name.toLowerCase();
    if (seen.has(name)) continue;
    seen.add(name);
    if (name.startsWith(q)) prefix.push(command);
    else if (q && name.includes(q)) inner.push(command);
  }
  return [...prefix, ...inner].slice(0, limit);
}

/** The prompt with its first word replaced by `/name ` and where the caret goes after it. */
export function applyCommand(value: string, name: string): { value: string; caret: number } {
  const end = value.search(/\s|$/);
  const rest = value.slice(end).replace(/^\s*/, "");
  const head = `/${name} `;
  return { value: head + rest, caret: head.length };
}
