/** NOTIFY channel names shared by every process. No imports here: the browser bundle may read it. */
export const CHANNEL_EVENTS = "wharf_events";
export const CHANNEL_CONTROL = "wharf_control";
