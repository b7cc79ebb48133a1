import { readFileSync } from 'node:fs';

/**
 * This process's own peak resident memory in KB: `VmHWM` of `/proc/self/status`, the high-water mark of
 * the memory this program mapped. Not getrusage's `maxRSS`: Linux carries that across `exec` from the
 * process image that was forked, so a child of a big benchmark process would report the parent's size.
 * Falls back to `maxRSS` where `/proc` is not there.
 */
export function peakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // No /proc: getrusage below.
  }
  return process.resourceUsage().maxRSS;
}
