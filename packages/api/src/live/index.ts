export { LiveHub, type BoardChange, type Live, type LiveCounts } from "./hub";
export { streamTaskEvents } from "./task-stream";
export { streamBoardChanges } from "./board-stream";
