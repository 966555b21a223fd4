export { createWharfClient, apiEndpoint, type WharfClient, type WharfClientOptions, type AppRouter, type RouterInputs, type RouterOutputs } from "./client.ts";
export { DEFAULT_URL, WharfTokenError, connectionFromEnv, readToken, wharfHome } from "./env.ts";
export { taskEvents, type LiveTaskEvent, type TaskEventsOptions } from "./events.ts";
export { TaskEndedError, WaitAbortedError, waitForTask, type Task } from "./wait.ts";
export { errorKind, exitCodes, type ErrorKind } from "./errors.ts";
export { finalStates, isFinalState, isRestingState, restingStates, unsuccessfulStates } from "./states.ts";
export type { TaskEvent, TaskState, PermissionOption, ToolKind } from "@wharf/api";
