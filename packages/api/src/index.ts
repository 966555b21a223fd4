export * from "./schemas";
export { appRouter, type AppRouter } from "./root";
export { createTRPCContext, createCallerFactory, type Context } from "./trpc";
export { createServices, createBoss, taskQueueOptions, type Services } from "./services";
export { ensureAccessToken, readAccessToken, rotateAccessToken, tokenMatches, tokenPath, TokenError } from "./auth/token";
export { DomainError } from "./errors";
