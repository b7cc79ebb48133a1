import { describe, expect, test } from 'vitest';
import { cleanUpMessage } from './result-commit.ts';

describe('cleanUpMessage', () => {
  test('cleans a message up as git commit --cleanup=whitespace does', () => {
    expect(cleanUpMessage('\n\nFix it  \n\n\n\nBody\t\n\nWarden-Task: t1\n\n')).toBe(
      'Fix it\n\nBody\n\nWarden-Task: t1\n',
    );
    expect(cleanUpMessage('No newline')).toBe('No newline\n');
    expect(cleanUpMessage(' \n\t\n')).toBe('');
    // Leading whitespace and comment-like lines are kept: only whitespace is cleaned up.
    expect(cleanUpMessage('  indented\n# not a comment\n')).toBe('  indented\n# not a comment\n');
  });
});
