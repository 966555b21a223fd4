export { detectAgent, detectionEnv, detectNativeEndpoint, packageVersion, parseVersion, type DetectInput, type Detection, type DetectOptions, type Launch } from "./detect";
export { knownAgentPresets, type AgentPreset } from "./presets";
export { detectPreset, redetectAgents, syncBuiltinAgents, type BuiltinAgent } from "./sync";
export { agentsDir, withInstalledAgents } from "./installed";
