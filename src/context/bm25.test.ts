import { describe, expect, it } from 'vitest';
import { Bm25Index, pathTokens, tokenize } from './bm25.ts';

describe('tokenize', () => {
  it('splits on punctuation, camelCase and digits, lower-cases, drops single characters', () => {
    expect(tokenize('parseHTTPRequest v2 snake_case-name')).toEqual([
      'parse',
      'http',
      'request',
      'snake',
      'case',
      'name',
    ]);
    expect(pathTokens('src/agent/toolCall-runner.test.ts')).toEqual([
      'src',
      'agent',
      'tool',
      'call',
      'runner',
      'test',
      'ts',
    ]);
    expect(tokenize('one two three', 2)).toEqual(['one', 'two']);
  });
});

describe('Bm25Index', () => {
  it('ranks rarer terms and denser matches higher, with k1 1.2 and b 0.75', () => {
    const index = new Bm25Index<'content'>();
    index.add('a', { content: ['budget', 'budget', 'retry'] });
    index.add('b', { content: ['budget', 'other', 'words', 'here', 'more', 'words'] });
    index.add('c', { content: ['retry', 'loop'] });
    const hits = index.search(['budget'], 10);
    expect(hits.map((hit) => hit.id)).toEqual(['a', 'b']);
    // By hand: N=3, df=2, idf=ln(1+(3-2+0.5)/(2+0.5)); avgdl=11/3; doc a: tf 2, dl 3.
    const idf = Math.log(1 + 1.5 / 2.5);
    const expected = (idf * 2 * 2.2) / (2 + 1.2 * (0.25 + (0.75 * 3) / (11 / 3)));
    expect(hits[0]?.score).toBeCloseTo(expected, 10);
  });

  it('weights fields and takes a filtered field with its full length', () => {
    const index = new Bm25Index<'path' | 'content'>({
      fieldWeights: { path: 3, content: 1 },
      vocabulary: new Set(['budget']),
    });
    index.add('in-path', { path: ['src', 'budget', 'ts'], content: { tokens: [], length: 100 } });
    index.add('in-content', { path: ['src', 'other', 'ts'], content: { tokens: ['budget'], length: 100 } });
    index.add('neither', { path: ['src', 'x', 'ts'], content: { tokens: [], length: 100 } });
    expect(index.search(['budget', 'absent'], 10).map((hit) => hit.id)).toEqual(['in-path', 'in-content']);
    expect(index.search(['budget'], 1)).toHaveLength(1);
  });
});
