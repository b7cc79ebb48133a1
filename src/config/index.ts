export type { Config } from './config-schema.ts';
export { AgentSchema, BudgetSchema, ConfigSchema, SandboxSchema } from './config-schema.ts';
export { formatIssues, loadConfig, parseConfig } from './load-config.ts';
export { starterConfig } from './starter-config.ts';
