import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.ts';
import { Journal } from '../src/journal/index.ts';
import { openSqliteStore } from '../src/store/index.ts';

const COMMAND_TOOLS = new Set(['shell', 'search']);

/**
 * (c) The demo's wall time (the whole `warden demo`, in this process) against the sum of the times of
 * the commands it ran in the sandbox, as a ratio: what Warden costs on top of the agent's own work.
 */
export async function benchDemoWallTime() {
  const home = mkdtempSync(path.join(tmpdir(), 'warden-bench-demo-'));
  try {
    let output = '';
    const started = performance.now();
    const code = await main(['demo', '--json', '--data-dir', home], {
      out: (text) => (output += text),
      err: () => {},
      interactive: false,
      env: process.env,
      cwd: process.cwd(),
    });
    const wallMs = performance.now() - started;
    if (code !== 0) throw new Error(`the demo failed (exit ${code}): ${output}`);
    const { taskId } = JSON.parse(output) as { taskId: string };
    const store = openSqliteStore(path.join(home, 'warden.db'));
    const events = await new Journal(store).events(taskId);
    await store.close();
    const commandMs = events.reduce(
      (sum, event) =>
        event.type === 'tool-call-end' && COMMAND_TOOLS.has(event.tool) ? sum + event.durationMs : sum,
      0,
    );
    return { wallMs, commandMs, ratio: wallMs / commandMs };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
