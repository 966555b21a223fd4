export { checkCommand, type CommandCheck } from "./command";
export { errnoCode, isErrno } from "./errno";
export type { Logger } from "./logger";
export { untilWoken } from "./until-woken";
