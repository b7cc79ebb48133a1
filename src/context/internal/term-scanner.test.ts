import { describe, expect, it } from 'vitest';
import { termsOf } from './code-terms.ts';
import { createTermScanner } from './term-scanner.ts';

const scanned = (bytes: Uint8Array, limit = bytes.length, maxRememberedWords?: number) => {
  const scanner = createTermScanner({ maxRememberedWords });
  const terms: string[] = [];
  scanner.scanBytes(bytes, limit, (term) => terms.push(scanner.terms[term] as string));
  return terms;
};

describe('createTermScanner', () => {
  it('finds in a file’s bytes the terms of its decoded text, through accents, emoji and broken UTF-8', () => {
    const text = `export function getRequestHost(é) { return naïveCafé_HTTPServer2 + 🙂userID + ${'x'.repeat(70)} + XMLParser; } // 9lives $scope __proto__ cookies`;
    const bytes = Buffer.concat([
      Buffer.from(text, 'utf8'),
      // A lone continuation byte and a cut-off sequence before ASCII words: they are not letters of it.
      Buffer.from([0x80, 0x61, 0x62, 0x63, 0xe2, 0x82, 0x64, 0x65, 0x66]),
    ]);
    expect(scanned(bytes)).toEqual(termsOf(new TextDecoder().decode(bytes)));
    expect(scanned(bytes)).toContain('request');
  });

  it('finds the same terms once it remembers no more words', () => {
    const text = 'alphaBeta gamma_delta alphaBeta epsilonZeta gamma_delta etaTheta iotaKappa alphaBeta';
    expect(scanned(Buffer.from(text), text.length, 2)).toEqual(termsOf(text));
  });

  it('reads only the first `limit` bytes, as decoding them would', () => {
    const bytes = Buffer.from('alphaBeta gammaDelta', 'utf8');
    expect(scanned(bytes, 12)).toEqual(termsOf('alphaBeta ga'));
  });

  it('numbers a term the same each time it is seen', () => {
    const scanner = createTermScanner();
    const numbers: number[] = [];
    scanner.scanText('parseArgs parseArgs parse', (term) => numbers.push(term));
    expect(numbers.map((term) => scanner.terms[term])).toEqual(termsOf('parseArgs parseArgs parse'));
    expect(new Set(numbers).size).toBe(3);
  });
});
