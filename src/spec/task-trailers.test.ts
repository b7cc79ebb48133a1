import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { taskTrailers } from './task-trailers.ts';

describe('taskTrailers', () => {
  it('writes trailers git itself reads back', () => {
    const message = `warden: fix the build\n\nChange made by a Warden agent.\n\n${taskTrailers('task-42')}\n`;
    const parsed = execFileSync('git', ['interpret-trailers', '--parse'], { input: message }).toString();
    expect(parsed).toBe('Warden-Task: task-42\nWarden-Trace: warden trace task-42\n');
  });
});
