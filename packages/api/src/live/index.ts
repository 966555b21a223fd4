export { DatabaseUnavailableError, LiveHub, type BoardChange, type BoardWake, type Live, type LiveCounts, type LiveHubOptions, type TaskWake } from "./hub";
export { streamTaskEvents, type TaskStreamOptions } from "./task-stream";
export { streamBoardChanges, type BoardStreamOptions } from "./board-stream";
export { statusLine, type RecentEvent } from "./board-status";
