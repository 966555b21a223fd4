import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium, type BrowserContext } from "@playwright/test";

export type BenchBrowser = { context: BrowserContext; close(): Promise<void> };

/**
 * Chromium as a person's browser is when they open a page: a profile on disk, signed in with the
 * session cookie. Not Playwright's default context: that is an off-the-record profile, and
 * Chromium keeps no compiled-code cache for those, so every load would compile all of the page's
 * scripts again, which a person's browser does only on its first visits. Headless Chromium also
 * loads the omnibox popup's own page in the background of every new tab (a browser window no one
 * sees, which took as much CPU as the page measured on 2 cores): switched off.
 */
export async function openBrowser(executablePath: string, signIn: { url: string; token: string }): Promise<BenchBrowser> {
  const profile = mkdtempSync(path.join(os.tmpdir(), "wharf-bench-browser-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-features=WebUIOmniboxPopup,PreloadTopChromeWebUI"],
  });
  await context.addCookies([{ name: "wharf_session", value: encodeURIComponent(signIn.token), url: signIn.url, httpOnly: true, sameSite: "Strict" }]);
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
