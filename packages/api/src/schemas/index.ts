export * from "./events";
export * from "./jobs";
export * from "./capabilities";
export * from "./limits";
export * from "./native-agent";
export * from "./workspace";
export * from "./mcp";
