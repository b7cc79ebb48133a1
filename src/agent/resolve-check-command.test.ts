import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { JournalEvent } from '../spec/journal-events.ts';
import { recordedCheckCommand, resolveCheckCommand } from './resolve-check-command.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'warden-resolve-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'go.mod'), 'module example.com/app\n');

const event = (type: string, fields: Record<string, unknown>): JournalEvent =>
  ({
    taskId: 't1',
    seq: 1,
    type,
    at: new Date(0).toISOString(),
    prevHash: '0'.repeat(64),
    hash: '0'.repeat(64),
    ...fields,
  }) as JournalEvent;

describe('resolveCheckCommand', () => {
  it('detects with auto, opts out with none, and runs an explicit command as given', async () => {
    expect(await resolveCheckCommand('auto', dir)).toEqual({ command: 'go test ./...', source: 'go.mod' });
    expect(await resolveCheckCommand('none', dir)).toBeNull();
    expect(await resolveCheckCommand(null, dir)).toBeNull();
    expect(await resolveCheckCommand(undefined, dir)).toBeNull();
    expect(await resolveCheckCommand('make lint test', dir)).toEqual({
      command: 'make lint test',
      source: 'agent.check',
    });
  });
});

describe('recordedCheckCommand', () => {
  it('gives a resumed task the check it chose at its start, not one detected from files the agent changed', () => {
    const check = { command: 'npm test', source: 'package.json scripts.test' };
    expect(recordedCheckCommand([event('task-start', {}), event('workspace-ready', { check })])).toEqual(
      check,
    );
    expect(recordedCheckCommand([event('workspace-ready', { check: null })])).toBeNull();
    // A task recorded before checks were: unknown, so the caller decides.
    expect(recordedCheckCommand([event('workspace-ready', { dirty: false })])).toBeUndefined();
    expect(recordedCheckCommand([event('workspace-ready', { check: { command: '' } })])).toBeUndefined();
  });
});
