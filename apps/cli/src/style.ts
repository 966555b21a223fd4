/** ANSI styling that turns itself off when colours are off. */
export type Style = ReturnType<typeof createStyle>;

export function createStyle(enabled: boolean) {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text);
  return {
    enabled,
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    italic: wrap(3, 23),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
    gray: wrap(90, 39),
  };
}

/** The colour of a task state. */
export function stateColor(style: Style, state: string): (text: string) => string {
  switch (state) {
    case "running":
      return style.blue;
    case "needs_input":
    case "blocked":
      return style.yellow;
    case "review":
      return style.magenta;
    case "applied":
    case "completed":
      return style.green;
    case "failed":
    case "cancelled":
      return style.red;
    default:
      return style.gray;
  }
}
