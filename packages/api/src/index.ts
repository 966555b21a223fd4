export * from "./schemas";
export { appRouter, type AppRouter } from "./root";
export { createTRPCContext, createCallerFactory, type Context } from "./trpc";
export { createServices, createBoss, taskQueueOptions, type Services } from "./services";
export { ensureAccessToken, readAccessToken, rotateAccessToken, tokenMatches, tokenPath, TokenError } from "./auth/token";
export { DomainError } from "./errors";
export { LiveHub, streamBoardChanges, streamTaskEvents, type BoardChange, type Live, type LiveCounts } from "./live";
export { type LiveTaskEvent } from "./router/task-events";
