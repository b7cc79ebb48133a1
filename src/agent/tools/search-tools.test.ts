import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecResult } from '../../spec/sandbox.ts';
import { findSymbolTool, firstLookTool, searchTool } from './search-tools.ts';
import type { ToolContext } from './tool.ts';
import { createWorkspaceFiles } from './workspace-files.ts';

let scratch: string;
let workspace: string;
const hasRipgrep = spawnSync('sh', ['-c', 'command -v rg']).status === 0;

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'warden-search-tools-'));
  workspace = path.join(scratch, 'workspace');
  const put = async (relative: string, content: string) => {
    await mkdir(path.dirname(path.join(workspace, relative)), { recursive: true });
    await writeFile(path.join(workspace, relative), content);
  };
  await put('.gitignore', 'dist/\n');
  await put('src/budget.ts', 'export function reserveBudget(amount: number) {\n  return amount;\n}\n');
  await put('src/loop.ts', 'import { reserveBudget } from "./budget";\nreserveBudget(3);\n');
  await put('dist/out.js', 'reserveBudget\n');
  await writeFile(path.join(scratch, 'secret.ts'), 'reserveBudget outside\n');
  await symlink(path.join(scratch, 'secret.ts'), path.join(workspace, 'src', 'secret.ts'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/**
 * A tool context whose `exec` runs the command with /bin/sh in the workspace (the sandbox's contract
 * without its isolation), recording each command; `withoutRipgrep` answers as a sandbox with no rg.
 */
function contextFor(withoutRipgrep: boolean): ToolContext & { commands: string[] } {
  const commands: string[] = [];
  return {
    commands,
    files: createWorkspaceFiles(workspace),
    commandTimeoutMs: 10_000,
    maxCommandTimeoutMs: 10_000,
    async exec(command): Promise<ExecResult> {
      commands.push(command);
      const shown = withoutRipgrep ? command.replace('command -v rg', 'command -v no-such-rg') : command;
      const run = spawnSync('sh', ['-c', shown], { cwd: workspace, encoding: 'utf8' });
      return {
        exitCode: run.status,
        signal: run.signal,
        stdout: run.stdout,
        stderr: run.stderr,
        stdoutBytes: run.stdout.length,
        stderrBytes: run.stderr.length,
        truncated: false,
        timedOut: false,
        limitsExceeded: [],
        durationMs: 1,
      };
    },
  };
}

const variants = hasRipgrep ? [false, true] : [true];

describe.each(variants)('the search tool (sandbox without ripgrep: %s)', (withoutRipgrep) => {
  it('prints path:line:column with context, skipping ignored files and links out', async () => {
    const context = contextFor(withoutRipgrep);
    const result = await searchTool.run({ pattern: 'reserveBudget', context: 1 }, context);
    expect(result.isError).toBe(false);
    expect(result.output).toBe(
      [
        'src/budget.ts:1:17: export function reserveBudget(amount: number) {',
        'src/budget.ts-2-   return amount;',
        '--',
        'src/loop.ts:1:10: import { reserveBudget } from "./budget";',
        'src/loop.ts-2- reserveBudget(3);',
        '--',
        'src/loop.ts-1- import { reserveBudget } from "./budget";',
        'src/loop.ts:2:1: reserveBudget(3);',
        '--',
        '[3 matches]',
      ].join('\n'),
    );
    expect(context.commands).toHaveLength(1);
  });

  it('pages, takes globs and a path, and reports a bad pattern to the model', async () => {
    const context = contextFor(withoutRipgrep);
    const paged = await searchTool.run({ pattern: 'reserve', page: 1, globs: ['src/loop.ts'] }, context);
    expect(paged.output).toContain('src/loop.ts:1:');
    expect(paged.output).not.toContain('budget.ts:');
    const under = await searchTool.run({ pattern: 'amount', path: 'src' }, context);
    expect(under.output).toContain('src/budget.ts:1:');
    const bad = await searchTool.run({ pattern: '(?=x)', regex: true }, context);
    expect(bad).toMatchObject({ isError: true });
    expect(bad.output).toContain('look-around');
  });
});

describe('find_symbol and first_look', () => {
  it('find definitions and uses, and rank files, through the workspace view', async () => {
    const context = contextFor(true);
    const found = await findSymbolTool.run({ name: 'reserveBudget' }, context);
    expect(found.output.split('\n')[0]).toMatch(/^src\/budget\.ts:1-3: definition \(function\)/);
    expect(found.output).toContain('src/loop.ts:2: use');
    expect(found.output).not.toContain('secret');
    const ranked = await firstLookTool.run({ query: 'reserve budget' }, context);
    expect(ranked.output.split('\n')[0]).toMatch(/^src\/budget\.ts/);
    expect(context.commands).toEqual([]);
  });
});
