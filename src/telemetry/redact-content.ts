import { GEN_AI } from './genai-conventions.ts';
import type { TelemetrySpan } from './telemetry-span.ts';

/** The attributes that carry content (`telemetry.captureContent`): prompts, outputs, tool inputs and results. */
const CONTENT_ATTRIBUTES = [
  GEN_AI.inputMessages,
  GEN_AI.outputMessages,
  GEN_AI.toolCallArguments,
  GEN_AI.toolCallResult,
] as const;

/**
 * Replaces, in place, every secret in the spans' content attributes by `[secret FINGERPRINT]`: a key
 * the model wrote into a file (and the secret scan then kept off the branch) must not reach the
 * collector inside a tool call's arguments either.
 */
export async function redactContent(
  spans: readonly TelemetrySpan[],
  redact: (text: string) => Promise<string>,
): Promise<void> {
  for (const span of spans) {
    for (const name of CONTENT_ATTRIBUTES) {
      const value = span.attributes[name];
      if (typeof value === 'string') span.attributes[name] = await redact(value);
    }
  }
}
