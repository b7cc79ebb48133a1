import { describe, expect, it } from 'vitest';
import { StuckDetector } from './stuck-detector.ts';

const shell = (command: string) => ({ id: 'x', name: 'shell', input: { command } });

describe('StuckDetector', () => {
  it('stops on the same call with the same result four times, not three', () => {
    const detector = new StuckDetector();
    for (let index = 0; index < 3; index++) {
      expect(detector.observe(shell('ls'), { output: 'a b', failed: false })).toBeUndefined();
    }
    expect(detector.observe(shell('ls'), { output: 'a b', failed: false })?.pattern).toBe('repeated-result');
  });

  it('does not count a call whose result changes as stuck', () => {
    const detector = new StuckDetector();
    for (let index = 0; index < 8; index++) {
      expect(detector.observe(shell('npm test'), { output: `run ${index}`, failed: false })).toBeUndefined();
    }
  });

  it('stops on the same failing call three times even when its output differs', () => {
    const detector = new StuckDetector();
    expect(detector.observe(shell('make'), { output: 'error 1', failed: true })).toBeUndefined();
    expect(detector.observe(shell('make'), { output: 'error 2', failed: true })).toBeUndefined();
    expect(detector.observe(shell('make'), { output: 'error 3', failed: true })?.pattern).toBe(
      'repeated-failure',
    );
  });

  it('stops on two calls alternating over six steps', () => {
    const detector = new StuckDetector();
    const verdicts = Array.from({ length: 6 }, (_, index) =>
      detector.observe(shell(index % 2 === 0 ? 'cat a' : 'cat b'), { output: String(index), failed: false }),
    );
    expect(verdicts.slice(0, 5).every((verdict) => verdict === undefined)).toBe(true);
    expect(verdicts[5]?.pattern).toBe('alternating');
  });

  it('treats inputs with the same content in another key order as the same call', () => {
    const detector = new StuckDetector();
    const call = (input: object) => ({ id: 'x', name: 'read_file', input });
    detector.observe(call({ path: 'a', offset: 1 }), { output: 'same', failed: false });
    detector.observe(call({ offset: 1, path: 'a' }), { output: 'same', failed: false });
    detector.observe(call({ path: 'a', offset: 1 }), { output: 'same', failed: false });
    expect(detector.observe(call({ offset: 1, path: 'a' }), { output: 'same', failed: false })).toBeDefined();
  });
});
