export { nativeAgentBin } from "./paths.ts";
export { configVars, readConfig, ConfigError, type Config } from "./config.ts";
export { SseDecoder, SseLineTooLongError } from "./sse.ts";
export { streamChat, EndpointError, type ChatMessage, type ChatToolCall, type ChatResult } from "./chat-stream.ts";
export { chatTools, toolArgs, type ToolName } from "./tools.ts";
