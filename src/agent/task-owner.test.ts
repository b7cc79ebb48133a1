import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { currentTaskOwner, isOwnerGone } from './task-owner.ts';

describe('task owners', () => {
  const here = currentTaskOwner();

  it('knows this process is alive', () => {
    expect(isOwnerGone(here, here)).toBe(false);
  });

  it('judges a pid reused by a process that started at another time as gone', () => {
    // Our parent is alive, but it is not the process that started at our start time.
    const reused = { ...here, pid: process.ppid };
    expect(isOwnerGone(reused, here)).toBe(true);
  });

  it('judges a dead pid as gone, and leaves a task owned on another host alone', async () => {
    const child = spawn(process.execPath, ['-e', '']);
    const pid = child.pid!;
    await new Promise((resolve) => child.once('exit', resolve));
    const dead = { ...here, pid, startTicks: '1' };
    expect(isOwnerGone(dead, here)).toBe(true);
    expect(isOwnerGone({ ...dead, host: `${here.host}-elsewhere` }, here)).toBe(false);
  });

  it('judges a task from before a reboot as gone', () => {
    expect(isOwnerGone({ ...here, bootId: 'another-boot' }, here)).toBe(here.bootId !== null);
  });
});
