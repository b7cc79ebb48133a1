import { createHash } from 'node:crypto';
import type { TelemetrySpan } from '../telemetry-span.ts';

// The small values a span tree is made of: statuses, limits, messages, ids.

export function statusOf(status: string, detail: string): TelemetrySpan['status'] {
  if (status === 'succeeded') return { code: 'ok' };
  if (status === 'failed' || status === 'stopped' || status === 'interrupted')
    return { code: 'error', message: firstLine(detail) };
  return { code: 'unset' };
}

/** `limits.maxUsd` as recorded at the task's start (kept `unknown` there); `undefined` when absent. */
export function maxUsdOf(limits: unknown): number | undefined {
  if (typeof limits !== 'object' || limits === null) return undefined;
  const value = (limits as { maxUsd?: unknown }).maxUsd;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function userMessage(text: string): string {
  return JSON.stringify([{ role: 'user', parts: [{ type: 'text', content: text }] }]);
}

export function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').slice(0, 200);
}

export function round(usd: number): number {
  return Math.round(usd * 1e9) / 1e9;
}

export function digest(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
