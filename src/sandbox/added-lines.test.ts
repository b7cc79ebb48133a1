import { describe, expect, it } from 'vitest';
import { parseAddedLines } from './added-lines.ts';

describe('parseAddedLines', () => {
  it('numbers the added lines of each hunk on the new side, and skips removed lines and binary files', () => {
    const diff = [
      'diff --git a/src/a.ts b/src/a.ts',
      'index 1111111..2222222 100644',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@ -3 +3,2 @@ function a() {',
      '-  old();',
      '+  first();',
      '+++ not a header, an added line',
      '@@ -10,0 +11 @@',
      '+  later();',
      'diff --git a/img.png b/img.png',
      'new file mode 100644',
      'Binary files /dev/null and b/img.png differ',
      'diff --git "a/dir/t\\303\\251st \\"q\\".txt" "b/dir/t\\303\\251st \\"q\\".txt"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/dir/t\\303\\251st \\"q\\".txt"',
      '@@ -0,0 +1 @@',
      '+hello',
      '\\ No newline at end of file',
      'diff --git a/gone.txt b/gone.txt',
      'deleted file mode 100644',
      '--- a/gone.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-bye',
      '',
    ].join('\n');
    expect(parseAddedLines(diff)).toEqual([
      { file: 'src/a.ts', line: 3, text: '  first();' },
      { file: 'src/a.ts', line: 4, text: '++ not a header, an added line' },
      { file: 'src/a.ts', line: 11, text: '  later();' },
      { file: 'dir/tést "q".txt', line: 1, text: 'hello' },
    ]);
  });
});
