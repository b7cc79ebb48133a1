import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type AnyToolDefinition, runToolCall } from '../src/agent/index.ts';
import { Journal } from '../src/journal/index.ts';
import { createCedarPolicyEngine, defaultBundleDir, loadPolicyBundle } from '../src/policy/index.ts';
import { openSqliteStore } from '../src/store/index.ts';
import { summarize, timeEach } from './stats.ts';

/**
 * (a) What Warden adds around one tool call — input validation, the Cedar policy decision, three journal
 * events (hashed, chained, written to SQLite) and dispatch — with a tool that does nothing, so the
 * command's own time is not in the figure.
 */
export async function benchToolCallOverhead(count = 2000) {
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-bench-'));
  const store = openSqliteStore(path.join(dir, 'warden.db'));
  try {
    const journal = new Journal(store);
    await store.createTask({
      id: 'bench',
      prompt: 'bench',
      repo: dir,
      baseCommit: '0'.repeat(40),
      model: 'scripted:bench',
      requestedBy: 'bench',
      createdAt: new Date().toISOString(),
    });
    const noop: AnyToolDefinition = {
      name: 'read_file',
      description: 'does nothing',
      input: z.strictObject({ path: z.string() }),
      run: async () => ({ output: 'ok', isError: false }),
    };
    const settings = {
      taskId: 'bench',
      journal,
      decider: createCedarPolicyEngine({
        bundle: loadPolicyBundle(defaultBundleDir()),
        principal: { agent: 'bench', team: 'bench', trustTier: 1 },
        workspace: { hostDir: dir },
        unparsable: 'ask',
      }),
      tools: new Map([[noop.name, noop]]),
      context: {} as never,
      outputChars: 16_000,
    };
    const bare = await timeEach(count, () => noop.run({ path: 'src/index.ts' }, {} as never));
    const full = await timeEach(count, (index) =>
      runToolCall(settings, { id: `call_${index}`, name: 'read_file', input: { path: 'src/index.ts' } }),
    );
    const overhead = full.map((value, index) => value - bare[index]!);
    return summarize(overhead);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
