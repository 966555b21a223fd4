"use client";

import { useEffect, useState } from "react";

/**
 * A clock for "3s ago" and "running 42s" labels: re-renders every `intervalMs`, fetches nothing
 * (not a poll). A server-rendered page passes `renderedAt` (the server's Date.now() at render):
 * the clock starts there, so hydration reads the same "12s" the HTML has (a different text makes
 * React throw the server's HTML away and render the whole page again), then follows the
 * browser's clock.
 */
export function useNow(intervalMs = 1000, renderedAt?: number): number {
  const [now, setNow] = useState(() => renderedAt ?? Date.now());
  useEffect(() => {
    if (renderedAt !== undefined) setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, renderedAt]);
  return now;
}
