"use client";

import { useSyncExternalStore } from "react";
import { formatDateTime } from "~/lib/format";

const subscribe = () => () => {};

/**
 * A timestamp for people, in the browser's time zone. The server knows only its own zone, and
 * React keeps the server's text and attributes when hydration finds them different, so a person
 * in another zone than the server would read the server's clock without being told. The server's
 * HTML and the hydrating render say UTC (`2026-12-05 13:40:07 UTC`, the same on both sides); the
 * render right after hydration says local time.
 */
export function useDateTime(date: Date | string): string {
  const hydrated = useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
  return formatDateTime(date, hydrated ? "local" : "utc");
}

/** `<time>` of `date` for people (see useDateTime), machine-readable in its `dateTime`. */
export function DateTime({ date, testId }: { date: Date | string; testId?: string }) {
  const text = useDateTime(date);
  return (
    <time dateTime={new Date(date).toISOString()} data-testid={testId}>
      {text}
    </time>
  );
}
