import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ToolCall } from '../spec/types.ts';
import { createCedarPolicyEngine } from './cedar-policy-engine.ts';
import { defaultBundleDir } from './default-bundle-dir.ts';
import { loadPolicyBundle } from './load-policy-bundle.ts';
import { createShellParser, DEFAULT_SHELL_PARSE_LIMITS, type ShellParser } from './shell-parser.ts';

const workspace = mkdtempSync(path.join(tmpdir(), 'warden-limits-'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
const bundle = loadPolicyBundle(defaultBundleDir());
const shared = createShellParser();
const engineWith = (shellParser: ShellParser) =>
  createCedarPolicyEngine({
    bundle,
    principal: { agent: 'limits', team: 'test', trustTier: 1 },
    workspace: { hostDir: workspace },
    unparsable: 'ask',
    shellParser,
  });
const engine = engineWith(shared);
const shell = (command: string): ToolCall => ({ id: 'call', name: 'shell', input: { command } });

/** A parser that blocks the event loop (as a loaded machine would) before each parse. */
function blockingParser(inner: ShellParser): ShellParser {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  return {
    async parse(command) {
      Atomics.wait(cell, 0, 0, 1200);
      return inner.parse(command);
    },
  };
}

const PIPES = Array.from({ length: 8000 }, () => 'ls').join(' | ');
const STATEMENTS = 'ls;'.repeat(21_000);
const PADDED_REMOVAL = `${'ls;'.repeat(22_000)}rm -rf /`;

describe('parse limits', () => {
  it('judges a command line over the limits on its prefix and asks about the rest', async () => {
    for (const command of [PIPES, STATEMENTS]) {
      const explanation = await engine.explain(shell(command));
      expect(explanation.decision).toBe('ask');
      expect(explanation.beyondLimits).toBeDefined();
      expect(explanation.reasons[0]).toMatch(/judged only in part/);
    }
  });

  it('still denies what is hidden after padding past the character limit', async () => {
    expect(PADDED_REMOVAL.length).toBeGreaterThan(DEFAULT_SHELL_PARSE_LIMITS.maxChars);
    expect((await engine.decide(shell(PADDED_REMOVAL))).decision).toBe('deny');
    const pushed = `${'echo ok\n'.repeat(9000)}git push origin main`;
    expect((await engine.decide(shell(pushed))).decision).toBe('deny');
  });

  it('denies in the judged prefix whatever follows', async () => {
    const command = `rm -rf / ; ${'ls;'.repeat(22_000)}`;
    expect((await engine.decide(shell(command))).decision).toBe('deny');
  });

  it('gives the same decision with the event loop blocked or not', async () => {
    const blocked = engineWith(blockingParser(shared));
    for (const command of [PIPES, STATEMENTS, 'ls -la', 'npm test 2>&1 | tail -20']) {
      const calm = await engine.decide(shell(command));
      const loaded = await blocked.decide(shell(command));
      expect(loaded).toEqual(calm);
    }
    expect((await blocked.decide(shell('ls -la'))).decision).toBe('allow');
    expect((await blocked.decide(shell(PIPES))).decision).toBe('ask');
  });

  it('stops the parser after its step budget, the same way every time', async () => {
    const tight = createShellParser({ ...DEFAULT_SHELL_PARSE_LIMITS, maxParseSteps: 5 });
    const command = Array.from({ length: 600 }, (_, index) => `echo ${index}`).join('; ');
    const first = await tight.parse(command);
    const second = await tight.parse(command);
    expect(first.beyondLimits?.reason).toMatch(/ran out of steps/);
    expect(first.commands.length).toBeGreaterThan(0);
    expect(first.commands.length).toBeLessThan(600);
    expect(second.commands.length).toBe(first.commands.length);
    expect(second.beyondLimits).toEqual(first.beyondLimits);
  });

  it('judges an ordinary long here-document whole', async () => {
    const body = 'export const greeting = "hello";\n'.repeat(1500);
    const parsed = await shared.parse(`cat > src/big.ts <<'EOF'\n${body}EOF`);
    expect(parsed.beyondLimits).toBeUndefined();
    expect(parsed.commands.map((command) => command.argv[0]?.value)).toEqual(['cat']);
  });
});
