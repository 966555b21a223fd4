"use client";

import { useEffect, useState } from "react";

/** A clock for "3s ago" and "running 42s" labels: re-renders every `intervalMs`, fetches nothing (not a poll). */
export function useNow(intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs]);
  return now;
}
