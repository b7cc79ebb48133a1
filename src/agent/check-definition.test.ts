import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDefinitionOf } from './check-definition.ts';

const root = mkdtempSync(path.join(tmpdir(), 'warden-definition-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const SOURCE = 'package.json scripts.test, package-lock.json';
const write = (file: string, content: unknown) =>
  writeFileSync(path.join(root, file), typeof content === 'string' ? content : JSON.stringify(content));

describe('checkDefinitionOf', () => {
  it("changes when the agent rewrites package.json's test scripts, not when it adds a dependency", async () => {
    write('package.json', { scripts: { test: 'node --test', build: 'tsc' } });
    const start = await checkDefinitionOf(root, SOURCE);
    expect(start).toMatch(/^[0-9a-f]{64}$/);
    write('package.json', { scripts: { test: 'node --test', build: 'tsc -b' }, dependencies: { zod: '4' } });
    expect(await checkDefinitionOf(root, SOURCE)).toBe(start);
    write('package.json', { scripts: { test: 'exit 0', build: 'tsc' } });
    expect(await checkDefinitionOf(root, SOURCE)).not.toBe(start);
    write('package.json', { scripts: { test: 'node --test', build: 'tsc', pretest: 'exit 0' } });
    expect(await checkDefinitionOf(root, SOURCE)).not.toBe(start);
    write('package.json', 'not json');
    expect(await checkDefinitionOf(root, SOURCE)).not.toBe(start);
  });

  it('covers the whole Makefile of a make check, and nothing for checks no file defines', async () => {
    write('Makefile', 'test:\n\tnode --test\n');
    const start = await checkDefinitionOf(root, 'Makefile test target');
    write('Makefile', 'test:\n\ttrue\n');
    expect(await checkDefinitionOf(root, 'Makefile test target')).not.toBe(start);
    expect(await checkDefinitionOf(root, 'go.mod')).toBeUndefined();
    expect(await checkDefinitionOf(root, 'agent.check')).toBeUndefined();
  });
});
