export { testAgentBin, scenariosDir, hostileAgentBin } from "./paths.ts";
export {
  scenarioSchema,
  stepSchema,
  toolContentSchema,
  agentProfileSchema,
  permissionOptionSchema,
  scenarioTurns,
  type Scenario,
  type ScenarioInput,
  type Step,
  type StepInput,
  type StepType,
  type StepOf,
  type ToolContent,
  type AgentProfile,
  type PermissionOptionSpec,
} from "./scenario-schema.ts";
export { parseScenario, loadNamedScenario, namedScenarioNames, scenarioFromPrompt, scenarioPrompt } from "./scenario-source.ts";
export { InvalidScenarioError } from "./errors.ts";
export { editWithPermission } from "./scenario-builders.ts";
