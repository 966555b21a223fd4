/*
 * Agent text as a small markdown tree: the CommonMark blocks and inlines agents write (headings,
 * paragraphs, lists with task items, fenced and indented code, quotes, rules, GitHub's tables,
 * strikethrough and bare links), parsed in one pass with no dependencies.
 *
 * Why not a markdown library: react-markdown with remark-gfm was 166 KB of the task page's
 * JavaScript, parsed and run before the page came alive. What this leaves out (reference links,
 * setext-heading edge cases, HTML, the finer points of emphasis nesting) shows as plain text.
 * Nothing here produces HTML: the component builds React elements from the tree, and a link's
 * address is kept only when it is http(s), mailto or relative (`safeHref`).
 */

export type Inline =
  | { type: "text"; text: string }
  | { type: "code"; text: string }
  | { type: "strong" | "em" | "del"; children: Inline[] }
  | { type: "link"; href: string; children: Inline[] }
  | { type: "break" };

export type Block =
  | { type: "paragraph"; children: Inline[] }
  | { type: "heading"; level: 1 | 2 | 3 | 4 | 5 | 6; children: Inline[] }
  | { type: "code"; lang: string | null; text: string }
  | { type: "quote"; children: Block[] }
  | { type: "list"; ordered: boolean; start: number; tight: boolean; items: ListItem[] }
  | { type: "table"; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { type: "rule" };

type ListItem = { checked: boolean | null; children: Block[] };
type Align = "left" | "center" | "right" | null;

/** Blocks deeper than this (quotes in lists in quotes…) are left as text: bounded recursion. */
const MAX_DEPTH = 12;

export function parseMarkdown(text: string): Block[] {
  return parseBlocks(text.replace(/\r\n?/g, "\n").replace(/\t/g, "    ").split("\n"), 0);
}

const fenceOpen = /^ {0,3}(`{3,}|~{3,})\s*([^\s`]*)?.*$/;
const atxHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const rule = /^ {0,3}((?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const quoteLine = /^ {0,3}> ?(.*)$/;
const bullet = /^( {0,3})([-*+])( {1,4}|$)(.*)$/;
const ordered = /^( {0,3})(\d{1,9})([.)])( {1,4}|$)(.*)$/;
const setext = /^ {0,3}(=+|-+)[ \t]*$/;
const blank = (line: string) => line.trim() === "";

function parseBlocks(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    if (blank(line)) {
      i++;
      continue;
    }
    const fence = fenceOpen.exec(line);
    if (fence && !(fence[1]!.startsWith("`") && line.slice(line.indexOf(fence[1]!) + fence[1]!.length).includes("`"))) {
      const marker = fence[1]!;
      const indent = line.length - line.trimStart().length;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const close = lines[i]!.trim();
        if (close.startsWith(marker[0]!.repeat(marker.length)) && /^(`+|~+)$/.test(close) && close[0] === marker[0]) break;
        body.push(stripIndent(lines[i]!, indent));
        i++;
      }
      i++; // the closing fence (or the end)
      blocks.push({ type: "code", lang: fence[2] ? fence[2] : null, text: body.join("\n") });
      continue;
    }
    const heading = atxHeading.exec(line);
    if (heading) {
      blocks.push({ type: "heading", level: heading[1]!.length as 1, children: parseInline(heading[2] ?? "") });
      i++;
      continue;
    }
    if (rule.test(line)) {
      blocks.push({ type: "rule" });
      i++;
      continue;
    }
    if (depth < MAX_DEPTH && quoteLine.test(line)) {
      const inner: string[] = [];
      while (i < lines.length && !blank(lines[i]!)) {
        const quoted = quoteLine.exec(lines[i]!);
        inner.push(quoted ? quoted[1]! : lines[i]!);
        i++;
      }
      blocks.push({ type: "quote", children: parseBlocks(inner, depth + 1) });
      continue;
    }
    if (depth < MAX_DEPTH && (bullet.test(line) || ordered.test(line))) {
      const list = parseList(lines, i, depth);
      blocks.push(list.block);
      i = list.next;
      continue;
    }
    if (/^ {4}/.test(line)) {
      const body: string[] = [];
      while (i < lines.length && (/^ {4}/.test(lines[i]!) || blank(lines[i]!))) body.push(lines[i++]!.slice(4));
      while (body.length && blank(body[body.length - 1]!)) body.pop();
      blocks.push({ type: "code", lang: null, text: body.join("\n") });
      continue;
    }
    const table = parseTable(lines, i);
    if (table) {
      blocks.push(table.block);
      i = table.next;
      continue;
    }
    // A paragraph: until a blank line or a line that starts another block.
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length && !blank(lines[i]!)) {
      const next = lines[i]!;
      if (setext.test(next)) {
        blocks.push({ type: "heading", level: next.trim().startsWith("=") ? 1 : 2, children: parseInline(para.join("\n")) });
        para.length = 0;
        i++;
        break;
      }
      if (fenceOpen.test(next) || atxHeading.test(next) || rule.test(next) || quoteLine.test(next) || interruptsParagraph(next)) break;
      para.push(next.trim());
      i++;
    }
    if (para.length) blocks.push({ type: "paragraph", children: parseInline(para.join("\n")) });
  }
  return blocks;
}

/** A list item may interrupt a paragraph when it is a bullet or starts at 1, and is not empty. */
function interruptsParagraph(line: string): boolean {
  const b = bullet.exec(line);
  if (b) return b[4]!.trim() !== "";
  const o = ordered.exec(line);
  return o !== null && o[2] === "1" && o[5]!.trim() !== "";
}

function stripIndent(line: string, indent: number): string {
  let n = 0;
  while (n < indent && line[n] === " ") n++;
  return line.slice(n);
}

type Marker = { ordered: boolean; char: string; start: number; contentIndent: number; first: string };

function listMarker(line: string): Marker | null {
  const b = bullet.exec(line);
  if (b) return { ordered: false, char: b[2]!, start: 1, contentIndent: b[1]!.length + 1 + Math.max(1, b[3]!.length), first: b[4]! };
  const o = ordered.exec(line);
  if (o) return { ordered: true, char: o[3]!, start: Number(o[2]), contentIndent: o[1]!.length + o[2]!.length + 1 + Math.max(1, o[4]!.length), first: o[5]! };
  return null;
}

function parseList(lines: string[], from: number, depth: number): { block: Block; next: number } {
  const first = listMarker(lines[from]!)!;
  const items: ListItem[] = [];
  let tight = true;
  let i = from;
  while (i < lines.length) {
    const marker = listMarker(lines[i]!);
    if (!marker || marker.ordered !== first.ordered || marker.char !== first.char) break;
    const body: string[] = [marker.first];
    i++;
    let sawBlank = false;
    while (i < lines.length) {
      const line = lines[i]!;
      if (blank(line)) {
        sawBlank = true;
        body.push("");
        i++;
        continue;
      }
      const indent = line.length - line.trimStart().length;
      if (indent >= marker.contentIndent) {
        if (sawBlank && body.some((l) => l !== "")) tight = false;
        body.push(line.slice(marker.contentIndent));
        sawBlank = false;
        i++;
        continue;
      }
      // A lazy continuation of the item's paragraph, unless it starts something else.
      if (!sawBlank && !listMarker(line) && !fenceOpen.test(line) && !atxHeading.test(line) && !rule.test(line) && !quoteLine.test(line)) {
        body.push(line.trim());
        i++;
        continue;
      }
      break;
    }
    while (body.length && body[body.length - 1] === "") body.pop();
    if (sawBlank && i < lines.length && listMarker(lines[i]!)?.char === first.char) tight = false;
    let checked: boolean | null = null;
    const task = /^\[([ xX])\](?:\s+|$)/.exec(body[0] ?? "");
    if (task) {
      checked = task[1] !== " ";
      body[0] = body[0]!.slice(task[0].length);
    }
    items.push({ checked, children: parseBlocks(body, depth + 1) });
  }
  return { block: { type: "list", ordered: first.ordered, start: first.start, tight, items }, next: i };
}

function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith("|")) row = row.slice(1);
  if (row.endsWith("|") && !row.endsWith("\\|")) row = row.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let code = false;
  for (let k = 0; k < row.length; k++) {
    const c = row[k]!;
    if (c === "\\" && row[k + 1] === "|") {
      cell += "|";
      k++;
    } else if (c === "`") {
      code = !code;
      cell += c;
    } else if (c === "|" && !code) {
      cells.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  cells.push(cell.trim());
  return cells;
}

const delimiterCell = /^:?-+:?$/;

function parseTable(lines: string[], from: number): { block: Block; next: number } | null {
  const header = lines[from]!;
  const delimiter = lines[from + 1];
  if (!header.includes("|") || delimiter === undefined || !delimiter.includes("-")) return null;
  const cells = splitRow(delimiter);
  if (!cells.every((c) => delimiterCell.test(c))) return null;
  const head = splitRow(header);
  if (head.length !== cells.length) return null;
  const align: Align[] = cells.map((c) => (c.startsWith(":") && c.endsWith(":") ? "center" : c.endsWith(":") ? "right" : c.startsWith(":") ? "left" : null));
  const rows: Inline[][][] = [];
  let i = from + 2;
  while (i < lines.length && !blank(lines[i]!) && lines[i]!.includes("|")) {
    const row = splitRow(lines[i]!);
    rows.push(head.map((_, k) => parseInline(row[k] ?? "")));
    i++;
  }
  return { block: { type: "table", align, head: head.map((h) => parseInline(h)), rows }, next: i };
}

/** An address a link may keep: http(s), mailto, or one without a scheme (relative, #anchor). */
export function safeHref(href: string): string | null {
  const trimmed = href.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(trimmed);
  if (!scheme) return trimmed;
  return ["http", "https", "mailto"].includes(scheme[1]!.toLowerCase()) ? trimmed : null;
}

const punctuation = /[!-/:-@[-`{-~]/;
const bareUrl = /^(https?:\/\/[^\s<]*[^\s<.,:;"')\]*_~?!])/;

type Delimiter = { char: "*" | "_" | "~"; count: number; node: { type: "text"; text: string }; index: number; canOpen: boolean; canClose: boolean };

/** Inline markdown: code spans, escapes, links, autolinks, emphasis, strikethrough, line breaks. */
export function parseInline(text: string): Inline[] {
  const out: Inline[] = [];
  const delimiters: Delimiter[] = [];
  let buffer = "";
  const flush = () => {
    if (buffer) out.push({ type: "text", text: buffer });
    buffer = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\\" && i + 1 < text.length) {
      const next = text[i + 1]!;
      if (next === "\n") {
        flush();
        out.push({ type: "break" });
        i += 2;
        continue;
      }
      if (punctuation.test(next)) {
        buffer += next;
        i += 2;
        continue;
      }
    }
    if (c === "`") {
      let run = 1;
      while (text[i + run] === "`") run++;
      const fence = "`".repeat(run);
      let close = text.indexOf(fence, i + run);
      while (close !== -1 && text[close + run] === "`") {
        let end = close;
        while (text[end] === "`") end++;
        close = text.indexOf(fence, end);
      }
      if (close === -1) {
        buffer += fence;
        i += run;
        continue;
      }
      flush();
      let code = text.slice(i + run, close).replace(/\n/g, " ");
      if (code.length > 2 && code.startsWith(" ") && code.endsWith(" ") && code.trim() !== "") code = code.slice(1, -1);
      out.push({ type: "code", text: code });
      i = close + run;
      continue;
    }
    if (c === "\n") {
      const hard = buffer.endsWith("  ");
      buffer = buffer.replace(/ +$/, "");
      flush();
      out.push(hard ? { type: "break" } : { type: "text", text: "\n" });
      i++;
      while (text[i] === " ") i++;
      continue;
    }
    if (c === "[" || (c === "!" && text[i + 1] === "[")) {
      const link = parseLink(text, c === "!" ? i + 1 : i);
      if (link) {
        flush();
        const children = parseInline(link.label);
        const href = safeHref(link.href);
        out.push(href === null ? { type: "text", text: link.label } : { type: "link", href, children: children.length ? children : [{ type: "text", text: link.href }] });
        i = link.end;
        continue;
      }
    }
    if (c === "<") {
      const auto = /^<((?:https?|mailto):[^\s<>]*)>/i.exec(text.slice(i));
      if (auto) {
        flush();
        out.push({ type: "link", href: auto[1]!, children: [{ type: "text", text: auto[1]!.replace(/^mailto:/i, "") }] });
        i += auto[0].length;
        continue;
      }
    }
    if ((c === "h" || c === "H") && (i === 0 || /[\s*_~(]/.test(text[i - 1]!))) {
      const url = bareUrl.exec(text.slice(i));
      if (url) {
        flush();
        out.push({ type: "link", href: url[1]!, children: [{ type: "text", text: url[1]! }] });
        i += url[1]!.length;
        continue;
      }
    }
    if (c === "*" || c === "_" || c === "~") {
      let run = 1;
      while (text[i + run] === c) run++;
      const before = i === 0 ? " " : text[i - 1]!;
      const after = text[i + run] ?? " ";
      const leftFlanking = !/\s/.test(after) && (!punctuation.test(after) || /\s/.test(before) || punctuation.test(before));
      const rightFlanking = !/\s/.test(before) && (!punctuation.test(before) || /\s/.test(after) || punctuation.test(after));
      let canOpen = leftFlanking;
      let canClose = rightFlanking;
      if (c === "_") {
        canOpen = leftFlanking && (!rightFlanking || punctuation.test(before));
        canClose = rightFlanking && (!leftFlanking || punctuation.test(after));
      }
      if (c === "~" && run > 2) {
        buffer += c.repeat(run);
        i += run;
        continue;
      }
      flush();
      const node = { type: "text" as const, text: c.repeat(run) };
      out.push(node);
      if (canOpen || canClose) delimiters.push({ char: c, count: run, node, index: out.length - 1, canOpen, canClose });
      i += run;
      continue;
    }
    buffer += c;
    i++;
  }
  flush();
  return resolveEmphasis(out, delimiters);
}

function parseLink(text: string, open: number): { label: string; href: string; end: number } | null {
  let depth = 0;
  let k = open;
  for (; k < text.length; k++) {
    const c = text[k];
    if (c === "\\") k++;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) break;
  }
  if (k >= text.length || text[k + 1] !== "(") return null;
  const rest = /^\(\s*(<[^>\n]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/.exec(text.slice(k + 1));
  if (!rest) return null;
  const href = rest[1]!.startsWith("<") ? rest[1]!.slice(1, -1) : rest[1]!;
  return { label: text.slice(open + 1, k), href, end: k + 1 + rest[0].length };
}

/**
 * Pairs the emphasis delimiters (CommonMark's "process emphasis", simplified: a closer takes the
 * nearest opener of its character; two on both sides make strong; `~~` is strikethrough) and
 * builds the nested nodes. Unpaired delimiters stay text.
 */
function resolveEmphasis(nodes: Inline[], delimiters: Delimiter[]): Inline[] {
  if (delimiters.length < 2) return mergeText(nodes);
  type Span = { from: number; to: number; type: "strong" | "em" | "del"; width: number };
  const spans: Span[] = [];
  const stack: Delimiter[] = [];
  for (const d of delimiters) {
    if (d.canClose) {
      for (let s = stack.length - 1; s >= 0 && d.count > 0; s--) {
        const opener = stack[s]!;
        if (opener.char !== d.char || opener.count === 0) continue;
        if (d.char === "~" && (opener.count !== 2 || d.count !== 2)) continue;
        // The rule of 3: a run that can both open and close cannot pair with one whose sum is a multiple of 3.
        if (d.char !== "~" && (opener.canClose || d.canOpen) && (opener.count + d.count) % 3 === 0 && !(opener.count % 3 === 0 && d.count % 3 === 0)) continue;
        const width = d.char === "~" ? 2 : opener.count >= 2 && d.count >= 2 ? 2 : 1;
        spans.push({ from: opener.index, to: d.index, type: d.char === "~" ? "del" : width === 2 ? "strong" : "em", width });
        opener.count -= width;
        d.count -= width;
        stack.length = opener.count > 0 ? s + 1 : s;
        if (d.count > 0) s = stack.length;
      }
    }
    if (d.canOpen && d.count > 0) stack.push(d);
  }
  if (spans.length === 0) return mergeText(nodes);
  // Rebuild as a tree. At a delimiter: close the spans ending there (innermost first), then its
  // characters no span took, then open the spans starting there (outermost first). A span matched
  // later around the same delimiters is the outer one (`***a***` is em around strong).
  const order = new Map(spans.map((span, k) => [span, k]));
  const leftover = new Map(delimiters.map((d) => [d.index, d.node.text.length]));
  for (const span of spans) {
    leftover.set(span.from, leftover.get(span.from)! - span.width);
    leftover.set(span.to, leftover.get(span.to)! - span.width);
  }
  const root: Inline[] = [];
  const open: Array<{ span: Span; children: Inline[] }> = [];
  const current = () => (open.length ? open[open.length - 1]!.children : root);
  for (let k = 0; k < nodes.length; k++) {
    const node = nodes[k]!;
    if (!leftover.has(k)) {
      current().push(node);
      continue;
    }
    const closing = spans.filter((span) => span.to === k).sort((a, b) => b.from - a.from || order.get(a)! - order.get(b)!);
    for (let c = 0; c < closing.length; c++) {
      const top = open.pop()!;
      current().push({ type: top.span.type, children: mergeText(top.children) });
    }
    const rest = leftover.get(k)!;
    if (rest > 0) current().push({ type: "text", text: node.type === "text" ? node.text.slice(0, rest) : "" });
    const opening = spans.filter((span) => span.from === k).sort((a, b) => b.to - a.to || order.get(b)! - order.get(a)!);
    for (const span of opening) open.push({ span, children: [] });
  }
  return mergeText(root);
}

function mergeText(nodes: Inline[]): Inline[] {
  const out: Inline[] = [];
  for (const node of nodes) {
    const last = out[out.length - 1];
    if (node.type === "text" && last?.type === "text") out[out.length - 1] = { type: "text", text: last.text + node.text };
    else if (node.type !== "text" || node.text !== "") out.push(node);
  }
  return out;
}
