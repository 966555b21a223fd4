import { useSyncExternalStore } from "react";

const noSubscription = () => () => undefined;

/**
 * False on the server and in the render that hydrates its HTML, true from then on (and at once
 * in a page that was not server-rendered). A server-rendered control that needs the page's
 * scripts is disabled until then: a click or keystroke before hydration would be lost.
 */
export function useHydrated(): boolean {
  return useSyncExternalStore(
    noSubscription,
    () => true,
    () => false,
  );
}
