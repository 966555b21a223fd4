/** A diff from a tool call's content: old text as removed lines, new text as added ones. */
export function SnippetDiff({ path, oldText, newText }: { path: string; oldText: string | null; newText: string }) {
  const old = oldText === null ? [] : oldText.replace(/\n$/, "").split("\n");
  const next = newText.replace(/\n$/, "").split("\n");
  // Lines both share at the start and end are context; the rest is removed then added.
  let head = 0;
  while (head < old.length && head < next.length && old[head] === next[head]) head++;
  let tail = 0;
  while (tail < old.length - head && tail < next.length - head && old[old.length - 1 - tail] === next[next.length - 1 - tail]) tail++;
  const lines = [
    ...old.slice(Math.max(0, head - 3), head).map((t) => ({ t, k: " " })),
    ...old.slice(head, old.length - tail).map((t) => ({ t, k: "-" })),
    ...next.slice(head, next.length - tail).map((t) => ({ t, k: "+" })),
    ...next.slice(next.length - tail, next.length - tail + 3).map((t) => ({ t, k: " " })),
  ];
  return (
    <div className="overflow-hidden rounded-md border border-line">
      <div className="border-b border-line bg-raised px-2 py-1 font-mono text-xs text-muted">{path}</div>
      <pre className="max-h-80 overflow-auto text-xs leading-5">
        {lines.map((line, i) => (
          <div
            key={i}
            className={`px-2 font-mono whitespace-pre ${line.k === "+" ? "bg-emerald-500/10 text-emerald-800 dark:text-emerald-200" : line.k === "-" ? "bg-rose-500/10 text-rose-800 dark:text-rose-200" : "text-muted"}`}
          >
            {line.k} {line.t}
          </div>
        ))}
      </pre>
    </div>
  );
}
