/**
 * A native agent is Wharf's built-in agent talking to an OpenAI-compatible endpoint. It runs no
 * command of its own (stored as `nativeAgentCommand`) and is set up by these variables: base URL
 * and model in `env`, the API key in `secretEnv`. Shared by the API's checks and the agent form.
 */
export const nativeAgentCommand = "wharf-native-agent";
export const nativeVars = { baseUrl: "WHARF_NATIVE_BASE_URL", model: "WHARF_NATIVE_MODEL", apiKey: "WHARF_NATIVE_API_KEY" } as const;
