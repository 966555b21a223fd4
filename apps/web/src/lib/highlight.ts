import type { Element, Nodes } from "hast";
import { common, createLowlight } from "lowlight";
import { createElement, type ReactNode } from "react";

/** Colours code for the markdown component; its own chunk, loaded only for text with fenced code in a named language. */
export type Highlighter = {
  /** Whether the language (or alias) is one it colours. */
  knows(lang: string): boolean;
  /** The code as React elements with highlight.js's `hljs-*` classes; plain text for a language it does not know. */
  render(lang: string, code: string): ReactNode;
};

export function createHighlighter(): Highlighter {
  const lowlight = createLowlight(common);
  const knows = (lang: string) => lowlight.registered(lang);
  return {
    knows,
    render(lang, code) {
      if (!knows(lang)) return code;
      return toReact(lowlight.highlight(lang, code));
    },
  };
}

function toReact(node: Nodes, key?: number): ReactNode {
  if (node.type === "text") return node.value;
  if (node.type === "root" || node.type === "element") {
    const children = node.children.map((child, i) => toReact(child, i));
    if (node.type === "root") return children;
    const className = classOf(node);
    return createElement("span", { key, className }, ...children);
  }
  return null;
}

function classOf(node: Element): string | undefined {
  const value = node.properties.className;
  return Array.isArray(value) ? value.join(" ") : typeof value === "string" ? value : undefined;
}
