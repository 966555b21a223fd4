/**
 * Keyboard navigation between board cards: j/k or ↓/↑ within a column, h/l or ←/→ between
 * columns (skipping empty ones, keeping the row where it can). Cards carry their position as
 * `data-card-column` / `data-card-row`; the grid is read from the page each time, so paging and
 * live updates need no bookkeeping.
 */

export type Move = "up" | "down" | "left" | "right";

const keys: Record<string, Move> = {
  j: "down",
  ArrowDown: "down",
  k: "up",
  ArrowUp: "up",
  h: "left",
  ArrowLeft: "left",
  l: "right",
  ArrowRight: "right",
};

export function moveOf(key: string): Move | null {
  return keys[key] ?? null;
}

/** Where focus goes from `at` (column, row) on a grid of `lengths` cards per column; null to stay. */
export function nextCard(lengths: readonly number[], at: { column: number; row: number } | null, move: Move): { column: number; row: number } | null {
  if (!at) {
    const first = lengths.findIndex((n) => n > 0);
    return first === -1 ? null : { column: first, row: 0 };
  }
  if (move === "down") return at.row + 1 < (lengths[at.column] ?? 0) ? { column: at.column, row: at.row + 1 } : null;
  if (move === "up") return at.row > 0 ? { column: at.column, row: at.row - 1 } : null;
  const step = move === "left" ? -1 : 1;
  for (let column = at.column + step; column >= 0 && column < lengths.length; column += step) {
    const n = lengths[column] ?? 0;
    if (n > 0) return { column, row: Math.min(at.row, n - 1) };
  }
  return null;
}

/** True when a key press belongs to something else: a text field, a select, an open dialog. */
export function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.closest("[role=dialog]")) return true;
  return target.isContentEditable || target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}
