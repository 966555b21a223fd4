import { useEffect } from "react";

/**
 * Loads a part of the page that is not on screen yet (a dialog, a tab) once the browser is idle
 * and `when` holds, so it opens at once when asked for without delaying the page's own start.
 */
export function usePreloadWhenIdle(load: () => Promise<unknown>, when: boolean): void {
  useEffect(() => {
    if (!when || typeof requestIdleCallback !== "function") return;
    const idle = requestIdleCallback(() => void load().catch(() => undefined));
    return () => cancelIdleCallback(idle);
  }, [load, when]);
}
