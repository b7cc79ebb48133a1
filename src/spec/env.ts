/**
 * Every environment variable Warden reads, in one place. Nothing else in the code reads `process.env`
 * by name; it asks for one of these.
 */
export const ENV = {
  /** Warden's data directory (store, scratch workspaces). Default: `~/.warden`. */
  home: 'WARDEN_HOME',
  /**
   * Where Warden's data lives when not in the data directory's SQLite file: a PostgreSQL URL
   * (`postgres://…`) for a fleet, or `sqlite:PATH`. `--db` overrides it.
   */
  databaseUrl: 'WARDEN_DATABASE_URL',
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
  /** The host's search path: the first `node` on it (outside any `node_modules`) is what the sandbox runs. */
  path: 'PATH',
  /** Extra CA certificates Node trusts; passed into the sandbox with the file mounted read-only. */
  nodeExtraCaCerts: 'NODE_EXTRA_CA_CERTS',
  /** The CA bundle OpenSSL clients trust; passed into the sandbox with the file mounted read-only. */
  sslCertFile: 'SSL_CERT_FILE',
  /** The CA directory OpenSSL clients trust; passed into the sandbox mounted read-only. */
  sslCertDir: 'SSL_CERT_DIR',
  /** The CA bundle Python's requests trusts; passed into the sandbox with the file mounted read-only. */
  requestsCaBundle: 'REQUESTS_CA_BUNDLE',
  /** The CA bundle curl trusts; passed into the sandbox with the file mounted read-only. */
  curlCaBundle: 'CURL_CA_BUNDLE',
  /** The CA bundle pip trusts; passed into the sandbox with the file mounted read-only. */
  pipCert: 'PIP_CERT',
  /** OpenTelemetry: the collector's base URL (`/v1/traces` and `/v1/metrics` are appended); wins over `telemetry.endpoint`. */
  otlpEndpoint: 'OTEL_EXPORTER_OTLP_ENDPOINT',
  /** OpenTelemetry: the full URL spans are sent to. */
  otlpTracesEndpoint: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  /** OpenTelemetry: the full URL metrics are sent to. */
  otlpMetricsEndpoint: 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT',
  /** OpenTelemetry: `http/protobuf` (default) or `http/json`. */
  otlpProtocol: 'OTEL_EXPORTER_OTLP_PROTOCOL',
  /** OpenTelemetry: headers sent to the collector, `key=value,key2=value2` (values URL-encoded). */
  otlpHeaders: 'OTEL_EXPORTER_OTLP_HEADERS',
  /** OpenTelemetry: milliseconds one send may take. */
  otlpTimeout: 'OTEL_EXPORTER_OTLP_TIMEOUT',
  /** OpenTelemetry: the `service.name` resource attribute. */
  otelServiceName: 'OTEL_SERVICE_NAME',
  /** OpenTelemetry: `true` turns every export off. */
  otelSdkDisabled: 'OTEL_SDK_DISABLED',
  /** OpenTelemetry GenAI: `true` adds prompts, outputs and tool inputs to the spans (as `telemetry.captureContent`). */
  otelCaptureContent: 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT',
  /** Tests only: the PostgreSQL server the Postgres suites use (default: a throwaway cluster the test run starts). */
  testDatabaseUrl: 'WARDEN_TEST_DATABASE_URL',
  /** Set by CI systems; tests refuse to skip a suite when it is `true`. */
  ci: 'CI',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];

/** The environment as Warden sees it: a plain lookup, so tests can pass their own. */
export type Environment = Readonly<Record<string, string | undefined>>;
