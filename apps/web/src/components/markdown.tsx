"use client";

import { memo } from "react";
import ReactMarkdown from "react-markdown";
import rehypeHighlight from "rehype-highlight";
import remarkGfm from "remark-gfm";

/**
 * Agent text as markdown. react-markdown builds React elements (raw HTML in the text is shown as
 * text, never injected); rehype-highlight colours fenced code.
 */
export const Markdown = memo(function Markdown({ text }: { text: string }) {
  return (
    <div className="prose-wharf text-sm">
      <ReactMarkdown remarkPlugins={[remarkGfm]} rehypePlugins={[[rehypeHighlight, { detect: false, ignoreMissing: true }]]}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
