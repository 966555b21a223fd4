/**
 * What the launcher needs from the API package, without the routers or the Prisma client (it is
 * built into one small module from `scripts/start.ts`).
 */
export { ensureAccessToken, tokenPath } from "./auth/token";
export { launcherStatusPath, readLauncherProblems, writeLauncherStatus, type LauncherStatus } from "./launcher-status";
