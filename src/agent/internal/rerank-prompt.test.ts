import { describe, expect, it } from 'vitest';
import { parseRerankReply, rerankPrompt } from './rerank-prompt.ts';

const candidates = ['src/a.ts', 'src/b.ts', 'src/c.ts'];

describe('the rerank reply', () => {
  it('takes a JSON array of candidate paths, and the candidates it leaves out follow in the search order', () => {
    expect(parseRerankReply('["src/c.ts", "src/a.ts"]', candidates)).toEqual({
      order: ['src/c.ts', 'src/a.ts', 'src/b.ts'],
    });
    expect(parseRerankReply('```json\n["src/b.ts"]\n```', candidates)).toEqual({
      order: ['src/b.ts', 'src/a.ts', 'src/c.ts'],
    });
  });

  it('refuses prose, an empty or mistyped array, a path that is not a candidate and a path named twice', () => {
    expect(parseRerankReply('I think src/c.ts matters most.', candidates)).toEqual({
      refused: 'the reply is not a JSON array of paths',
    });
    expect(parseRerankReply('[]', candidates)).toMatchObject({ refused: expect.stringMatching(/non-empty/) });
    expect(parseRerankReply('[1, 2]', candidates)).toMatchObject({ refused: expect.any(String) });
    expect(parseRerankReply('{"files": ["src/a.ts"]}', candidates)).toMatchObject({
      refused: expect.any(String),
    });
    expect(parseRerankReply('["src/c.ts", "secrets.ts"]', candidates)).toEqual({
      refused: 'the reply names "secrets.ts", not a candidate',
    });
    expect(parseRerankReply('["src/c.ts", "src/c.ts"]', candidates)).toEqual({
      refused: 'the reply names "src/c.ts" twice',
    });
  });
});

describe('the rerank prompt', () => {
  it('names each candidate with at most three symbols and cuts a long task', () => {
    const symbols = ['one', 'two', 'three', 'four'].map((name, at) => ({
      name,
      kind: 'function',
      line: at + 1,
      endLine: at + 1,
    }));
    const prompt = rerankPrompt('x'.repeat(7_000), [{ path: 'src/a.ts', score: 1, symbols }]);
    expect(prompt).toContain('- src/a.ts: one (function), two (function), three (function)\n');
    expect(prompt).not.toContain('four');
    expect(prompt).toContain('[task cut at 6000 characters]');
  });
});
