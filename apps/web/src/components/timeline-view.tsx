"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { setupToolCallPrefix } from "@wharf/api/tool-calls";
import { useHydrated } from "~/lib/use-hydrated";
import type { Terminal, Timeline, TimelineItem, ToolItem } from "~/lib/timeline";
import { TimelineItemView } from "./timeline-item";

type Props = {
  timeline: Timeline;
  hasOlder: boolean;
  loadingOlder: boolean;
  olderError: string | null;
  /** Never rejects: a failure shows as `olderError`. */
  loadOlder: () => Promise<void>;
  /** The task's worktree: paths inside it are shown relative to it. */
  root?: string | null;
};


/** Items the server renders (and the browser shows until its scripts run): the newest ones. */
const STATIC_ITEMS = 30;

/**
 * Up to this many items the live timeline is a plain list: the one the server rendered, kept as
 * it is when the page goes live (no second render of every item, no measuring). A longer one,
 * after loading earlier history, is virtualised.
 */
const PLAIN_ITEMS = 300;

/** Items of the loaded tail shown more at a time when the user scrolls up past the ones shown. */
const REVEAL_ITEMS = 100;

/** The virtualiser's guess of an item's height before it is measured (px). */
const ESTIMATED_ITEM_HEIGHT = 60;

/**
 * The timeline. Before the page's scripts run it is a plain list of the newest items, scrolled to
 * its end by the layout alone (a reversed column), so the server-rendered page shows the latest
 * events at once. When the page is live the same list goes on: the items before it, loaded with the
 * tail, are drawn when the user scrolls up to them, so going live draws nothing new however long
 * the tail is. Past `PLAIN_ITEMS` shown, a virtualiser takes over. Sticks to the bottom while the user is there (so
 * streaming never moves what they read), loads older history when they scroll to the top and
 * keeps their place.
 */
export function TimelineView({ timeline, hasOlder, loadingOlder, olderError, loadOlder, root }: Props) {
  const { items } = timeline;
  const scrollRef = useRef<HTMLDivElement>(null);
  const innerRef = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  const [showJump, setShowJump] = useState(false);
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set());
  // False on the server and in the render that hydrates its HTML (both draw the same plain list);
  // true from then on, and at once when the page was not server-rendered.
  const live = useHydrated();
  // The first item shown (null: all of them): the server's first one until the user scrolls up.
  const [firstShown, setFirstShown] = useState<string | null>(() => (items.length > STATIC_ITEMS ? items[items.length - STATIC_ITEMS]!.key : null));
  const firstIndex = firstShown === null ? 0 : Math.max(0, items.findIndex((item) => item.key === firstShown));
  const virtual = live && firstIndex === 0 && items.length > PLAIN_ITEMS;
  const hidden = live ? firstIndex : Math.max(0, items.length - STATIC_ITEMS);
  const hasEarlier = hidden > 0 || hasOlder;
  /** Shows more of the loaded items, or once all are shown, loads older ones from the server. */
  const showEarlier = useCallback(() => {
    if (hidden === 0) return loadOlder();
    const next = hidden - REVEAL_ITEMS;
    setFirstShown(next <= 0 || items.length - next > PLAIN_ITEMS ? null : items[next]!.key);
    return Promise.resolve();
  }, [hidden, items, loadOlder]);

  // The virtualiser starts with the pane's size and its end in view: its first render already
  // holds the newest items, where the plain list it replaces showed them.
  const scroller = virtual ? scrollRef.current : null;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ITEM_HEIGHT,
    overscan: 6,
    getItemKey: (index) => items[index]?.key ?? index,
    enabled: virtual,
    ...(scroller ? { initialRect: { width: scroller.clientWidth, height: scroller.clientHeight } } : {}),
    initialOffset: () => Math.max(0, items.length * ESTIMATED_ITEM_HEIGHT - (scrollRef.current?.clientHeight ?? 0)),
  });

  const toggle = useCallback((key: string) => {
    setExpanded((s) => {
      const next = new Set(s);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });
  }, []);

  // Keep to the bottom whenever the content grows (new items, or items measured taller).
  useEffect(() => {
    const inner = innerRef.current;
    const scroller = scrollRef.current;
    if (!inner || !scroller) return;
    const observer = new ResizeObserver(() => {
      if (atBottom.current) scroller.scrollTop = scroller.scrollHeight;
    });
    observer.observe(inner);
    observer.observe(scroller);
    return () => observer.disconnect();
  }, []);

  // After older items are prepended (or earlier ones shown), keep the same content under the user's eyes.
  const firstKey = items[hidden]?.key;
  const previous = useRef<{ firstKey?: string; height: number }>({ height: 0 });
  useLayoutEffect(() => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    const before = previous.current;
    if (before.firstKey && firstKey && before.firstKey !== firstKey && !atBottom.current) {
      scroller.scrollTop += scroller.scrollHeight - before.height;
    }
    previous.current = { firstKey, height: scroller.scrollHeight };
  });

  // Only the user leaves the bottom (wheel, touch, keys, scrollbar); measuring items and
  // resizing the pane move scrollTop too, and must not.
  const userScroll = useRef(false);
  const onUserScroll = () => {
    userScroll.current = true;
  };
  const onScroll = () => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    const bottom = scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 48;
    if (bottom) atBottom.current = true;
    else if (userScroll.current) atBottom.current = false;
    else if (atBottom.current) scroller.scrollTop = scroller.scrollHeight;
    userScroll.current = false;
    setShowJump(!atBottom.current);
    if (scroller.scrollTop < 300 && (hidden > 0 || (hasOlder && !loadingOlder && !olderError))) void showEarlier();
  };

  const jump = () => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    atBottom.current = true;
    scroller.scrollTop = scroller.scrollHeight;
    setShowJump(false);
  };

  // Whether an item is open: before the page is live only a permission ask (as the server drew it).
  const isOpen = (item: TimelineItem) =>
    live ? expanded.has(item.key) || (item.kind === "tool" && (item.status === "awaiting_permission" || isRunningSetup(item))) : item.kind === "tool" && item.status === "awaiting_permission";

  return (
    <div className="relative min-h-0 flex-1">
      {/* Before the page is live the column is reversed, so the layout alone shows its end; the
          list comes first in that order (the lowest `order`), the button for earlier events above it. */}
      <div
        ref={scrollRef}
        onScroll={onScroll}
        onWheel={onUserScroll}
        onTouchMove={onUserScroll}
        onKeyDown={onUserScroll}
        onPointerDown={onUserScroll}
        tabIndex={0}
        className={`absolute inset-0 overflow-y-auto overscroll-contain px-1 ${live ? "" : "flex flex-col-reverse"}`} data-testid="timeline" data-ready={live ? "" : undefined} style={{ overflowAnchor: "none" }}>
        {(hasEarlier || olderError) && (
          <div className="order-2 py-2 text-center text-xs text-muted">
            {olderError ? (
              <button type="button" className="text-rose-600 hover:underline" onClick={() => void loadOlder()}>
                Could not load earlier events ({olderError}). Retry
              </button>
            ) : loadingOlder ? (
              "Loading earlier events…"
            ) : (
              <button type="button" className="hover:text-fg" onClick={() => void showEarlier()}>
                Load earlier events
              </button>
            )}
          </div>
        )}
        {items.length === 0 && <div className="order-1 py-16 text-center text-sm text-muted">Waiting for the first events…</div>}
        <div ref={innerRef} style={virtual ? { height: virtualizer.getTotalSize(), position: "relative" } : undefined}>
          {virtual
            ? virtualizer.getVirtualItems().map((row) => {
                const item = items[row.index]!;
                return (
                  <div
                    key={row.key}
                    data-index={row.index}
                    ref={virtualizer.measureElement}
                    className="absolute inset-x-0 py-1.5"
                    style={{ transform: `translateY(${row.start}px)` }}
                  >
                    <Row item={item} expanded={isOpen(item)} toggle={toggle} terminals={item.kind === "tool" ? timeline.terminals : noTerminals} root={root} />
                  </div>
                );
              })
            : items.slice(hidden).map((item) => (
                <div key={item.key} className="py-1.5">
                  <Row item={item} expanded={isOpen(item)} toggle={toggle} terminals={item.kind === "tool" ? timeline.terminals : noTerminals} root={root} />
                </div>
              ))}
        </div>
      </div>
      {showJump && (
        <button
          type="button"
          onClick={jump}
          className="absolute right-4 bottom-3 rounded-full bg-panel px-3 py-1.5 text-xs font-medium shadow-md ring-1 ring-line hover:bg-raised"
        >
          ↓ Latest
        </button>
      )}
    </div>
  );
}

/** What a row that is not a tool call gets for terminals: the same object every time, so it is not drawn again for a terminal's output. */
const noTerminals: Record<string, Terminal> = {};

type RowProps = { item: TimelineItem; expanded: boolean; toggle: (key: string) => void; terminals: Record<string, Terminal>; root?: string | null };

/** One item; drawn again only when it changed, so a streamed event does not redraw the whole list. */
const Row = memo(function Row({ item, expanded, toggle, terminals, root }: RowProps) {
  const onToggle = useCallback(() => toggle(item.key), [toggle, item.key]);
  return <TimelineItemView item={item} expanded={expanded} onToggle={onToggle} terminals={terminals} root={root} />;
});

/** A setup step is open while it runs, so its output streams in view. */
function isRunningSetup(item: ToolItem): boolean {
  return item.toolCallId.startsWith(setupToolCallPrefix) && item.status === "in_progress";
}
