export * from "./schemas";
export { appRouter, type AppRouter } from "./root";
export { createTRPCContext, createCallerFactory, readCookie, sameOrigin, SESSION_COOKIE, TASK_PROCEDURES, type Context } from "./trpc";
export { createServices, createBoss, taskQueueOptions, type Services } from "./services";
export { ensureAccessToken, readAccessToken, rotateAccessToken, tokenMatches, tokenPath, TokenError } from "./auth/token";
export { LiveHub, streamBoardChanges, streamTaskEvents, type BoardChange, type Live, type LiveCounts } from "./live";
export { type LiveTaskEvent } from "./router/task-events";
export { LoginRateLimiter } from "./auth/rate-limit";
