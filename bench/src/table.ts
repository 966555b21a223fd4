import type { Row } from "./figure";
import { round } from "./stats";

const ms = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? "" : String(round(v, 1)));

/** A Markdown table: one row per metric; distributions in ms. */
export function formatTable(rows: Row[]): string {
  const header = ["figure", "metric", "n", "median ms", "p95 ms", "p99 ms", "value", "target", "met", "note"];
  const lines = rows.map((r) => [
    r.figure,
    r.metric,
    r.summary ? String(r.summary.n) : "",
    ms(r.summary?.median),
    ms(r.summary?.p95),
    ms(r.summary?.p99),
    r.value ?? "",
    r.target ?? "",
    r.met === true ? "yes" : r.met === false ? "NO" : "",
    r.note ?? "",
  ]);
  const all = [header, header.map(() => "---"), ...lines];
  return all.map((cells) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`).join("\n");
}
