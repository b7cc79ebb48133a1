import type { JournalEvent } from '../spec/journal-events.ts';
import { GEN_AI, OPERATION, providerAndModel, WARDEN } from './genai-conventions.ts';
import type { TelemetryMeasurement } from './telemetry-span.ts';

/**
 * What one task's journal adds to the metrics: per model call (the localization's rerank included) its
 * input and output tokens (`gen_ai.client.token.usage`, input counting cached tokens as the convention
 * asks), its duration and its cost; per policy decision one count by allow / ask / deny; per `breaker-open` one count; and the
 * task's outcome once, from the last event that ended a run. Both the OTLP export and `GET /metrics`
 * count from here, so the two agree.
 */
export function measurementsOfJournal(events: readonly JournalEvent[]): TelemetryMeasurement[] {
  const measurements: TelemetryMeasurement[] = [];
  let agent = 'unknown';
  let outcome: string | undefined;
  for (const event of events) {
    switch (event.type) {
      case 'task-start':
        agent = event.agent;
        break;
      case 'model-response': {
        const { usage } = event;
        measurements.push(
          ...modelCall(agent, event.model, {
            input: usage.input + usage.cacheRead + usage.cacheWrite,
            output: usage.output,
            latencyMs: event.latencyMs,
            costUsd: event.costUsd,
          }),
        );
        break;
      }
      case 'context-localized': {
        const rerank = event.rerank;
        if (rerank?.reply !== undefined)
          measurements.push(
            ...modelCall(agent, rerank.model, {
              input: rerank.inputTokens,
              output: rerank.outputTokens,
              latencyMs: rerank.latencyMs,
              costUsd: rerank.costUsd,
            }),
          );
        break;
      }
      case 'decision':
        measurements.push({
          metric: 'policyDecisions',
          value: 1,
          attributes: {
            [WARDEN.policyDecision]: event.decision,
            [GEN_AI.toolName]: event.tool,
            [GEN_AI.agentName]: agent,
          },
        });
        break;
      case 'breaker-open':
        measurements.push({
          metric: 'breakerOpens',
          value: 1,
          attributes: { [WARDEN.stopReason]: event.stopReason, [GEN_AI.agentName]: agent },
        });
        break;
      case 'task-end':
      case 'task-pause':
        outcome = event.status;
        break;
      case 'task-interrupted':
        outcome = 'interrupted';
        break;
      default:
        break;
    }
  }
  if (outcome !== undefined)
    measurements.push({
      metric: 'taskOutcomes',
      value: 1,
      attributes: { [WARDEN.status]: outcome, [GEN_AI.agentName]: agent },
    });
  return measurements;
}

/** One model call's tokens (input counting cached tokens), duration and cost. */
function modelCall(
  agent: string,
  label: string,
  call: { input: number; output: number; latencyMs: number; costUsd: number },
): TelemetryMeasurement[] {
  const { provider, model } = providerAndModel(label);
  const attributes = {
    [GEN_AI.operationName]: OPERATION.chat,
    [GEN_AI.providerName]: provider,
    [GEN_AI.requestModel]: model,
    [GEN_AI.responseModel]: model,
  };
  return [
    { metric: 'tokenUsage', value: call.input, attributes: { ...attributes, [GEN_AI.tokenType]: 'input' } },
    { metric: 'tokenUsage', value: call.output, attributes: { ...attributes, [GEN_AI.tokenType]: 'output' } },
    { metric: 'operationDuration', value: call.latencyMs / 1000, attributes },
    {
      metric: 'costUsd',
      value: call.costUsd,
      attributes: {
        [GEN_AI.agentName]: agent,
        [GEN_AI.providerName]: provider,
        [GEN_AI.requestModel]: model,
      },
    },
  ];
}
