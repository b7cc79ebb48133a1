// Preloaded into the benchmark's `warden run` child (`node --import <this file's URL>?out=FILE`): at exit
// it writes to FILE the process's start (`performance.timeOrigin`), its own peak RSS (`VmHWM`, see `peak-rss.ts`), and
// every child process Warden started (program, first arguments, start and end, epoch ms), which dates
// the workspace's creation: the journal's first event comes only after it. It changes nothing Warden
// does; it only listens on Node's `child_process` diagnostics channel.
import type { ChildProcess } from 'node:child_process';
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { peakRssKb } from './peak-rss.ts';

/** What the probe writes. */
export interface ProbeReport {
  timeOrigin: number;
  maxRssKb: number;
  spawns: Array<{ program: string; args: string[]; startedAt: number; endedAt: number | null }>;
}

const out = new URL(import.meta.url).searchParams.get('out');
if (out) {
  const spawns: ProbeReport['spawns'] = [];
  const now = () => performance.timeOrigin + performance.now();
  subscribe('child_process', (message) => {
    const child = (message as { process: ChildProcess }).process;
    const entry: ProbeReport['spawns'][number] = { program: '', args: [], startedAt: now(), endedAt: null };
    spawns.push(entry);
    // Published as the process object is made, before `spawn` names its program: read that just after.
    queueMicrotask(() => {
      entry.program = child.spawnfile ?? '';
      entry.args = child.spawnargs.slice(1);
    });
    child.once('exit', () => {
      entry.endedAt = now();
    });
  });
  process.once('exit', () => {
    const report: ProbeReport = {
      timeOrigin: performance.timeOrigin,
      maxRssKb: peakRssKb(),
      spawns,
    };
    writeFileSync(out, JSON.stringify(report));
  });
}
