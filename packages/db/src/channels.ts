/** NOTIFY channel names shared by every process. No imports here: the browser bundle may read it. */
export const CHANNEL_EVENTS = "wharf_events";
export const CHANNEL_CONTROL = "wharf_control";
/** A runner registered, stopped, or its agents or heartbeat changed (payload: the runner id). */
export const CHANNEL_RUNNERS = "wharf_runners";
