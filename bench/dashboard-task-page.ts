import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { createServerApp, TaskQueue } from '../src/server/index.ts';
import { createWarden } from '../src/warden/index.ts';
import { fillTaskJournal } from '../test/support/task-journal.ts';
import { summarize } from './stats.ts';

/**
 * (q) The dashboard's task page for a task of `steps` steps (a model call, a policy decision and a shell
 * call with its output each: five journal events a step, written through the store and journal APIs),
 * server-side (Hono's in-process `fetch`, no socket, the whole HTML read), against what `warden trace
 * --json` does for the same task in its process (the journal read and verified, then printed as JSON),
 * both on the same open Warden: medians of `runs` after one warm-up each.
 */
export async function benchDashboardTaskPage(steps = 2_000, runs = 7) {
  const work = mkdtempSync(path.join(tmpdir(), 'warden-bench-dashboard-'));
  const home = path.join(work, 'home');
  try {
    await (await createWarden({ dataDir: home, env: {} })).close();
    const taskId = await fillTaskJournal(home, { steps, childSteps: Math.floor(steps / 10) });
    const warden = await createWarden({ dataDir: home, env: {} });
    try {
      const idle = { run: async () => undefined as never, resume: async () => undefined as never };
      const app = createServerApp(warden, new TaskQueue(idle, 1), undefined);
      let pageBytes = 0;
      const page = async () => {
        const response = await app.request(`http://localhost/tasks/${taskId}`);
        if (response.status !== 200) throw new Error(`the task page answered ${response.status}`);
        pageBytes = (await response.text()).length;
      };
      let jsonBytes = 0;
      const traceJson = async () => {
        const { events, verification } = await warden.trace(taskId);
        if (!verification.ok) throw new Error(`the bench journal does not verify: ${verification.problem}`);
        jsonBytes = `${JSON.stringify(events)}\n`.length;
      };
      const pageMs = summarize(await timed(page, runs)).median;
      const traceMs = summarize(await timed(traceJson, runs)).median;
      return { steps, events: steps * 5 + 5, pageMs, traceMs, pageBytes, jsonBytes, ratio: pageMs / traceMs };
    } finally {
      await warden.close();
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Milliseconds of each of `runs` calls, after one call not counted. */
async function timed(call: () => Promise<void>, runs: number): Promise<number[]> {
  await call();
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    await call();
    times.push(performance.now() - start);
  }
  return times;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await benchDashboardTaskPage();
  console.log(JSON.stringify(result, null, 2));
}
