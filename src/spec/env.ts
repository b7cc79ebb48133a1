/**
 * Every environment variable Warden reads, in one place. Nothing else in the code reads `process.env`
 * by name; it asks for one of these.
 */
export const ENV = {
  /** Warden's data directory (store, scratch workspaces). Default: `~/.warden`. */
  home: 'WARDEN_HOME',
  /** Anthropic API key, read by the `anthropic:` provider. */
  anthropicKey: 'ANTHROPIC_API_KEY',
  /** Overrides the Anthropic API base URL (a gateway, or a local server in tests). */
  anthropicBaseUrl: 'ANTHROPIC_BASE_URL',
  /** OpenAI API key, read by the `openai:` provider. */
  openaiKey: 'OPENAI_API_KEY',
  /** Overrides the OpenAI API base URL. */
  openaiBaseUrl: 'OPENAI_BASE_URL',
  /** API key for an `openai-compatible` endpoint, when it needs one. */
  compatibleKey: 'OPENAI_COMPATIBLE_API_KEY',
  /** A Docker engine for the optional Docker sandbox driver (read by dockerode; its tests run when set). */
  dockerHost: 'DOCKER_HOST',
  /** API key of the optional E2B sandbox driver (its tests run when set). */
  e2bKey: 'E2B_API_KEY',
  /** Set by CI systems; tests refuse to skip a suite when it is `true`. */
  ci: 'CI',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The environment as Warden sees it: a plain lookup, so tests can pass their own. */
export type Environment = Readonly<Record<string, string | undefined>>;
