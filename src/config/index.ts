export type { AgentDefinition, Stage } from './agents-schema.ts';
export { AgentDefinitionSchema, AgentSchema, StageSchema, TOOL_NAMES } from './agents-schema.ts';
export type { Config } from './config-schema.ts';
export { BudgetSchema, ConfigSchema, SandboxSchema } from './config-schema.ts';
export { formatIssues, loadConfig, parseConfig } from './load-config.ts';
export { starterConfig } from './starter-config.ts';
