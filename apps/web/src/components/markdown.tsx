"use client";

import { memo, useEffect, useState } from "react";
import ReactMarkdown, { type Options } from "react-markdown";
import remarkGfm from "remark-gfm";

type PluggableList = NonNullable<Options["rehypePlugins"]>;

/**
 * Agent text as markdown. react-markdown builds React elements (raw HTML in the text is shown as
 * text, never injected); rehype-highlight colours fenced code.
 *
 * The highlighter (lowlight with its languages, about 400 KB of JavaScript) is loaded only when
 * a text has a fenced code block, after the page is up: the task page does not wait for it, and
 * code shows plain for the moment it takes to load.
 */
let highlight: PluggableList | null = null;
let loading: Promise<PluggableList> | null = null;

function loadHighlight(): Promise<PluggableList> {
  loading ??= import("rehype-highlight").then((module) => {
    highlight = [[module.default, { detect: false, ignoreMissing: true }]];
    return highlight;
  });
  return loading;
}

const fenced = /^ {0,3}(`{3,}|~{3,})/m;

function useHighlight(wanted: boolean): PluggableList | undefined {
  const [plugins, setPlugins] = useState<PluggableList | null>(highlight);
  useEffect(() => {
    if (!wanted || plugins) return;
    let live = true;
    loadHighlight().then(
      (loaded) => live && setPlugins(loaded),
      () => {}, // stays plain
    );
    return () => {
      live = false;
    };
  }, [wanted, plugins]);
  return wanted ? (plugins ?? undefined) : undefined;
}

export const Markdown = memo(function Markdown({ text }: { text: string }) {
  const rehypePlugins = useHighlight(fenced.test(text));
  return (
    <div className="prose-wharf text-sm">
      <ReactMarkdown remarkPlugins={[remarkGfm]} {...(rehypePlugins && { rehypePlugins })}>
        {text}
      </ReactMarkdown>
    </div>
  );
});
