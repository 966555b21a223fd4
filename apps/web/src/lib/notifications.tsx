"use client";

import type { TaskState } from "@wharf/api";
import { useEffect, useState } from "react";
import { taskTitle } from "./format";

/**
 * Browser notifications, opt-in: a person turns them on in the header (only then does the browser
 * ask for permission), and each tab notifies when a task needs input or its change is ready for
 * review. The tab title counts the tasks waiting for input, so a person can work elsewhere.
 */

const STORAGE_KEY = "wharf-notifications";
const CHANGED = "wharf-notifications-changed";

type Setting = "on" | "off" | "blocked" | "unsupported";

function readSetting(): Setting {
  if (typeof window === "undefined" || !("Notification" in window)) return "unsupported";
  if (Notification.permission === "denied") return "blocked";
  return localStorage.getItem(STORAGE_KEY) === "on" && Notification.permission === "granted" ? "on" : "off";
}

const messages: Partial<Record<TaskState, string>> = {
  needs_input: "A task needs your input",
  review: "A change is ready for review",
};

/** Shows a notification for a task that entered `needs_input` or `review`, when they are on. */
export function notifyStateChange(change: { taskId: string; state: TaskState; prompt?: string; status?: string }, open: (href: string) => void) {
  const title = messages[change.state];
  if (!title || readSetting() !== "on") return;
  const name = change.prompt ? taskTitle(change.prompt) : `Task ${change.taskId.slice(0, 8)}`;
  const notification = new Notification(title, {
    body: change.status && change.state === "needs_input" ? `${name}\n${change.status}` : name,
    // One notification per task and state: a repeat replaces it instead of stacking up.
    tag: `wharf-${change.taskId}-${change.state}`,
  });
  notification.onclick = () => {
    window.focus();
    open(`/tasks/${change.taskId}`);
    notification.close();
  };
}

/** The header's switch: off until the person turns it on; asks the browser only at that moment. */
export function NotificationToggle() {
  const [setting, setSetting] = useState<Setting | null>(null);
  useEffect(() => {
    const update = () => setSetting(readSetting());
    update();
    window.addEventListener(CHANGED, update);
    window.addEventListener("storage", update);
    return () => {
      window.removeEventListener(CHANGED, update);
      window.removeEventListener("storage", update);
    };
  }, []);
  if (setting === null || setting === "unsupported") return null;

  const toggle = async () => {
    if (setting === "on") {
      localStorage.setItem(STORAGE_KEY, "off");
    } else {
      const permission = Notification.permission === "granted" ? "granted" : await Notification.requestPermission();
      localStorage.setItem(STORAGE_KEY, permission === "granted" ? "on" : "off");
    }
    window.dispatchEvent(new Event(CHANGED));
  };
  const label =
    setting === "on"
      ? "Notifications on: a task that needs input or is ready for review notifies you. Turn off"
      : setting === "blocked"
        ? "Notifications are blocked for this site: allow them in the browser's site settings"
        : "Notify me when a task needs input or is ready for review";
  return (
    <button
      type="button"
      onClick={() => void toggle()}
      disabled={setting === "blocked"}
      aria-pressed={setting === "on"}
      aria-label={label}
      title={label}
      data-testid="notifications-toggle"
      className={`relative grid size-8 place-items-center rounded-md hover:bg-raised focus-visible:ring-2 focus-visible:ring-accent focus-visible:outline-none disabled:cursor-not-allowed disabled:opacity-50 ${setting === "on" ? "text-accent" : "text-muted hover:text-fg"}`}
    >
      <svg viewBox="0 0 24 24" className="size-4" fill={setting === "on" ? "currentColor" : "none"} stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
        <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
        <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
        {setting !== "on" && <path d="M3 3l18 18" />}
      </svg>
    </button>
  );
}

const COUNT_PREFIX = /^\(\d+\) /;

/** Puts `(n) ` before the page title while n tasks wait for input; pages that set their own title keep it. */
export function useWaitingTitle(count: number) {
  useEffect(() => {
    const apply = () => {
      const base = document.title.replace(COUNT_PREFIX, "");
      const next = count > 0 ? `(${count}) ${base}` : base;
      if (document.title !== next) document.title = next;
    };
    apply();
    // Navigations set the page's own title again: put the count back in front of it.
    const observer = new MutationObserver(apply);
    observer.observe(document.head, { subtree: true, childList: true, characterData: true });
    return () => {
      observer.disconnect();
      document.title = document.title.replace(COUNT_PREFIX, "");
    };
  }, [count]);
}
