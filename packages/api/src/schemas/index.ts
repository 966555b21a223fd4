export * from "./events";
export * from "./jobs";
export * from "./capabilities";
