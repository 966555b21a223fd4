import type { Page } from "@playwright/test";

/** What must hold on a page for it to count as usable: an element, optionally containing a text. */
export type UsableCheck = { selector: string; text?: string };

/**
 * Runs in the page before its own scripts: records the moment (performance.now(), from the start
 * of the navigation) when every check first holds, seen by a MutationObserver, so neither the
 * test driver's polling nor its round trips are counted. A string, not a function: the bench runs
 * under a loader that adds helper calls to named functions, which the page would not have.
 */
const recordUsable = (checks: UsableCheck[]) => `(() => {
  const checks = ${JSON.stringify(checks)};
  const holds = () => checks.every((check) => {
    const element = document.querySelector(check.selector);
    return element !== null && (check.text === undefined || (element.textContent || "").includes(check.text));
  });
  const observer = new MutationObserver(() => {
    if (window.__wharfUsableAt !== undefined || !holds()) return;
    window.__wharfUsableAt = performance.now();
    observer.disconnect();
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

/** Makes the page record when it becomes usable; call before `goto`. */
export async function watchUsable(page: Page, checks: UsableCheck[]): Promise<void> {
  await page.addInitScript({ content: recordUsable(checks) });
}

/** Waits until the page recorded it, and answers the in-page time from navigation start (ms). */
export async function usableAt(page: Page, timeoutMs: number): Promise<number> {
  const handle = await page.waitForFunction("window.__wharfUsableAt ?? false", undefined, { timeout: timeoutMs });
  return (await handle.jsonValue()) as number;
}

/** First contentful paint, from navigation start (NaN when the browser did not report one). */
export async function firstPaint(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN);
}
