import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileTool } from './file-tools.ts';
import { createWorkspaceFiles } from './workspace-files.ts';

describe('read_file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-read-file-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const context = {
    files: createWorkspaceFiles(dir),
    exec: async () => {
      throw new Error('read_file runs no command');
    },
    commandTimeoutMs: 1000,
    maxCommandTimeoutMs: 1000,
  };

  it('says a file is not valid UTF-8 only when it is not: a replacement character of its own is text', async () => {
    writeFileSync(path.join(dir, 'own.txt'), 'a \uFFFD b\n');
    writeFileSync(path.join(dir, 'bad.txt'), Buffer.from([0x61, 0xff, 0x62, 0x0a]));
    const own = await readFileTool.run({ path: 'own.txt' }, context);
    const bad = await readFileTool.run({ path: 'bad.txt' }, context);
    expect(own.output).toContain('a \uFFFD b');
    expect(own.output).not.toContain('not valid UTF-8');
    expect(bad.output).toContain('[file is not valid UTF-8; bad bytes shown as \uFFFD]');
  });
});
