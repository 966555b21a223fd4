import type { ConsoleMessage, Page } from "@playwright/test";

/** What must hold on a page for it to count as usable: an element, optionally containing a text. */
export type UsableCheck = { selector: string; text?: string };

/** The console message the page writes once, when it became usable (with the time). */
const MARK = "wharf-bench-usable";

/**
 * Runs in the page before its own scripts: records the moment (performance.now(), from the start
 * of the navigation) when every check first holds, seen by a MutationObserver, and writes it to
 * the console. The driver only listens: asking the page (Playwright's waitForFunction) would inject
 * Playwright's own ~330 KB script into it in the middle of its start-up, which a trace showed
 * costing ~40 ms of the main thread that a person's browser never spends. A string, not a
 * function: the bench runs under a loader that adds helper calls to named functions, which the
 * page would not have.
 */
const recordUsable = (checks: UsableCheck[]) => `(() => {
  const checks = ${JSON.stringify(checks)};
  const holds = () => checks.every((check) => {
    const element = document.querySelector(check.selector);
    return element !== null && (check.text === undefined || (element.textContent || "").includes(check.text));
  });
  const observer = new MutationObserver(() => {
    if (!holds()) return;
    observer.disconnect();
    console.debug(${JSON.stringify(MARK)}, String(performance.now()));
  });
  observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
})();`;

const pending = new WeakMap<Page, Promise<number>>();

/** Makes the page report when it becomes usable; call before `goto`. */
export async function watchUsable(page: Page, checks: UsableCheck[]): Promise<void> {
  pending.set(
    page,
    new Promise<number>((resolve) => {
      const onConsole = (message: ConsoleMessage) => {
        const [mark, at] = message.text().split(" ");
        if (mark !== MARK) return;
        page.off("console", onConsole);
        resolve(Number(at));
      };
      page.on("console", onConsole);
    }),
  );
  await page.addInitScript({ content: recordUsable(checks) });
}

/** Waits until the page reported it, and answers the in-page time from navigation start (ms). */
export async function usableAt(page: Page, timeoutMs: number): Promise<number> {
  const usable = pending.get(page);
  if (!usable) throw new Error("usableAt without watchUsable: call watchUsable(page, checks) before goto");
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the page was not usable within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([usable, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** First contentful paint, from navigation start (NaN when the browser did not report one). */
export async function firstPaint(page: Page): Promise<number> {
  return page.evaluate(() => performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? Number.NaN);
}
