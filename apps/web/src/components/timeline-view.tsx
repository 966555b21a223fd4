"use client";

import { useVirtualizer } from "@tanstack/react-virtual";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "react";
import { setupToolCallPrefix } from "@wharf/api/tool-calls";
import { useHydrated } from "~/lib/use-hydrated";
import type { Timeline, ToolItem } from "~/lib/timeline";
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

/** The virtualiser's guess of an item's height before it is measured (px). */
const ESTIMATED_ITEM_HEIGHT = 60;

/**
 * The virtualised timeline. Before the page's scripts run it is a plain list of the newest items,
 * scrolled to its end by the layout alone (a reversed column), so the server-rendered page shows
 * the latest events at once; the virtualiser takes over when the page is live. Sticks to the bottom while the user is there (so streaming never
 * moves what they read), loads older history when they scroll to the top and keeps their place.
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

  // The virtualiser starts when the page is live, with the pane's size and its end in view: its
  // first render already holds the newest items, where the plain list it replaces showed them.
  // Started with nothing known, it rendered no item at all, measured, and rendered again.
  const scroller = live ? scrollRef.current : null;
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ESTIMATED_ITEM_HEIGHT,
    overscan: 6,
    getItemKey: (index) => items[index]?.key ?? index,
    enabled: live,
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

  // After older items are prepended, keep the same content under the user's eyes.
  const firstKey = items[0]?.key;
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
    if (scroller.scrollTop < 300 && hasOlder && !loadingOlder && !olderError) void loadOlder();
  };

  const jump = () => {
    const scroller = scrollRef.current;
    if (!scroller) return;
    atBottom.current = true;
    scroller.scrollTop = scroller.scrollHeight;
    setShowJump(false);
  };

  return (
    <div className="relative min-h-0 flex-1">
      <div
        ref={scrollRef}
        onScroll={onScroll}
        onWheel={onUserScroll}
        onTouchMove={onUserScroll}
        onKeyDown={onUserScroll}
        onPointerDown={onUserScroll}
        tabIndex={0}
        className={`absolute inset-0 overflow-y-auto overscroll-contain px-1 ${live ? "" : "flex flex-col-reverse"}`} data-testid="timeline" data-ready={live ? "" : undefined} style={{ overflowAnchor: "none" }}>
        {!live && (
          <div>
            {items.slice(-STATIC_ITEMS).map((item) => (
              <div key={item.key} className="py-1.5">
                <TimelineItemView item={item} expanded={item.kind === "tool" && item.status === "awaiting_permission"} onToggle={() => undefined} terminals={timeline.terminals} root={root} />
              </div>
            ))}
          </div>
        )}
        {(hasOlder || olderError) && (
          <div className="py-2 text-center text-xs text-muted">
            {olderError ? (
              <button type="button" className="text-rose-600 hover:underline" onClick={() => void loadOlder()}>
                Could not load earlier events ({olderError}). Retry
              </button>
            ) : loadingOlder ? (
              "Loading earlier events…"
            ) : (
              <button type="button" className="hover:text-fg" onClick={() => void loadOlder()}>
                Load earlier events
              </button>
            )}
          </div>
        )}
        {items.length === 0 && <div className="py-16 text-center text-sm text-muted">Waiting for the first events…</div>}
        <div ref={innerRef} style={{ height: live ? virtualizer.getTotalSize() : 0, position: "relative" }}>
          {(live ? virtualizer.getVirtualItems() : []).map((row) => {
            const item = items[row.index]!;
            return (
              <div
                key={row.key}
                data-index={row.index}
                ref={virtualizer.measureElement}
                className="absolute inset-x-0 py-1.5"
                style={{ transform: `translateY(${row.start}px)` }}
              >
                <TimelineItemView item={item} expanded={expanded.has(item.key) || (item.kind === "tool" && (item.status === "awaiting_permission" || isRunningSetup(item)))} onToggle={() => toggle(item.key)} terminals={timeline.terminals} root={root} />
              </div>
            );
          })}
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

/** A setup step is open while it runs, so its output streams in view. */
function isRunningSetup(item: ToolItem): boolean {
  return item.toolCallId.startsWith(setupToolCallPrefix) && item.status === "in_progress";
}
