"use client";

import { Fragment, memo, useEffect, useMemo, useState, type ReactNode } from "react";
import { parseMarkdown, type Block, type Inline } from "~/lib/markdown";
import type { Highlighter } from "~/lib/highlight";

/**
 * Agent text as markdown (`lib/markdown.ts` parses it; this builds React elements from the tree,
 * so raw HTML in the text shows as text and is never injected).
 *
 * Fenced code with a language is coloured by the highlighter (lowlight with its common
 * languages, about 400 KB of JavaScript), loaded only when a text has such a block, after the page
 * is up: the task page does not wait for it, and code shows plain for the moment it takes.
 */
let highlighter: Highlighter | null = null;
let loading: Promise<Highlighter> | null = null;

function loadHighlighter(): Promise<Highlighter> {
  loading ??= import("~/lib/highlight").then((module) => (highlighter = module.createHighlighter()));
  return loading;
}

function useHighlighter(wanted: boolean): Highlighter | null {
  const [loaded, setLoaded] = useState<Highlighter | null>(highlighter);
  useEffect(() => {
    if (!wanted || loaded) return;
    let live = true;
    loadHighlighter().then(
      (h) => live && setLoaded(h),
      () => {}, // stays plain
    );
    return () => {
      live = false;
    };
  }, [wanted, loaded]);
  return wanted ? loaded : null;
}

const hasLanguageCode = (blocks: Block[]): boolean =>
  blocks.some((b) => (b.type === "code" && b.lang !== null) || (b.type === "quote" && hasLanguageCode(b.children)) || (b.type === "list" && b.items.some((item) => hasLanguageCode(item.children))));

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  const highlight = useHighlighter(hasLanguageCode(blocks));
  return <div className="prose-wharf text-sm">{renderBlocks(blocks, highlight, false)}</div>;
});

function renderBlocks(blocks: Block[], highlight: Highlighter | null, tight: boolean): ReactNode[] {
  return blocks.map((block, key) => {
    switch (block.type) {
      case "paragraph":
        return tight ? <Fragment key={key}>{renderInlines(block.children)}</Fragment> : <p key={key}>{renderInlines(block.children)}</p>;
      case "heading": {
        const Tag = `h${block.level}` as const;
        return <Tag key={key}>{renderInlines(block.children)}</Tag>;
      }
      case "code":
        return (
          <pre key={key}>
            <code className={block.lang ? `language-${block.lang}${highlight?.knows(block.lang) ? " hljs" : ""}` : undefined}>
              {block.lang && highlight ? highlight.render(block.lang, block.text) : block.text}
            </code>
          </pre>
        );
      case "quote":
        return <blockquote key={key}>{renderBlocks(block.children, highlight, false)}</blockquote>;
      case "rule":
        return <hr key={key} />;
      case "list": {
        const items = block.items.map((item, i) => (
          <li key={i} className={item.checked === null ? undefined : "task-list-item"}>
            {item.checked !== null && <input type="checkbox" checked={item.checked} disabled className="mr-1.5 align-middle" />}
            {renderBlocks(item.children, highlight, block.tight)}
          </li>
        ));
        return block.ordered ? (
          <ol key={key} start={block.start === 1 ? undefined : block.start}>
            {items}
          </ol>
        ) : (
          <ul key={key}>{items}</ul>
        );
      }
      case "table":
        return (
          <table key={key}>
            <thead>
              <tr>
                {block.head.map((cell, i) => (
                  <th key={i} style={block.align[i] ? { textAlign: block.align[i] } : undefined}>
                    {renderInlines(cell)}
                  </th>
                ))}
              </tr>
            </thead>
            {block.rows.length > 0 && (
              <tbody>
                {block.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((cell, i) => (
                      <td key={i} style={block.align[i] ? { textAlign: block.align[i] } : undefined}>
                        {renderInlines(cell)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            )}
          </table>
        );
    }
  });
}

function renderInlines(nodes: Inline[]): ReactNode[] {
  return nodes.map((node, key) => {
    switch (node.type) {
      case "text":
        return node.text;
      case "code":
        return <code key={key}>{node.text}</code>;
      case "strong":
        return <strong key={key}>{renderInlines(node.children)}</strong>;
      case "em":
        return <em key={key}>{renderInlines(node.children)}</em>;
      case "del":
        return <del key={key}>{renderInlines(node.children)}</del>;
      case "link":
        return (
          <a key={key} href={node.href} target="_blank" rel="noreferrer noopener">
            {renderInlines(node.children)}
          </a>
        );
      case "break":
        return <br key={key} />;
    }
  });
}
