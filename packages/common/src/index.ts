export { errnoCode, isErrno } from "./errno";
export type { Logger } from "./logger";
