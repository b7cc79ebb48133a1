import { describe, expect, it } from 'vitest';
import { findHighEntropyTokens, shannonEntropy } from './high-entropy.ts';

// Made up for these tests: random-looking, of no service.
const AWS_LIKE_SECRET = 'R6g3mKp9Qw2Zt7Lx1Vb8Nc4Hj5Fd0Sa3Ey6Uo2Ti';
const HEX_TOKEN = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';

describe('shannonEntropy', () => {
  it('is 0 for one repeated character and log2(n) for n distinct ones', () => {
    expect(shannonEntropy('')).toBe(0);
    expect(shannonEntropy('aaaaaaaa')).toBe(0);
    expect(shannonEntropy('abcdefgh')).toBeCloseTo(3);
  });
});

describe('findHighEntropyTokens', () => {
  it('flags a random base64 key and a random hex string in new lines', () => {
    const [base64] = findHighEntropyTokens('config.js', `const secret = "${AWS_LIKE_SECRET}";`);
    expect(base64).toMatchObject({ token: AWS_LIKE_SECRET, kind: 'base64', column: 16 });
    expect(base64!.entropy).toBeGreaterThan(4.3);
    expect(findHighEntropyTokens('src/hash.ts', `const digest = '${HEX_TOKEN}';`)).toMatchObject([
      { kind: 'hex', token: HEX_TOKEN },
    ]);
  });

  it('flags a short base64url token and one in a test fixture alike (fixtures are not skipped)', () => {
    const token = 'xK9_pQ2-mZ7vL4nR8wT3';
    expect(findHighEntropyTokens('test/fixtures/keys.json', `{"token": "${token}"}`)).toHaveLength(1);
  });

  it('passes names made of words, paths, package names and low-entropy runs', () => {
    for (const line of [
      'import type { LanguageModelV3CallOptions } from "@ai-sdk/provider";',
      '"node_modules/@biomejs/cli-win32-arm64": {',
      'const path = "src/components/UserProfile/settings/index.tsx";',
      'const bar = "==========================================";',
      'const zeros = "00000000000000000000000000000000";',
      'function handleAuthenticationCallbackForUser(request) {',
    ]) {
      expect(findHighEntropyTokens('src/a.ts', line), line).toEqual([]);
    }
  });

  it('allows lockfile integrity hashes and tarball URLs, and go.sum', () => {
    const integrity =
      '      "integrity": "sha512-Q3bdrvKW6YJ8Ve9z5MBxvN2uLzCvCOGnX2Zl+Nq0J8TzVfnV1cpwFo0f7n3mDTCqG3K1Fz8v2XcAXDkUqG0a9w==",';
    expect(findHighEntropyTokens('package-lock.json', integrity)).toEqual([]);
    expect(findHighEntropyTokens('sub/package-lock.json', integrity)).toEqual([]);
    expect(findHighEntropyTokens('node_modules/.package-lock.json', integrity)).toEqual([]);
    // The same line anywhere else is judged.
    expect(findHighEntropyTokens('config.json', integrity)).not.toEqual([]);
    expect(
      findHighEntropyTokens(
        'go.sum',
        'golang.org/x/text v0.3.0 h1:g61tztE5qeGQ89tm6NTjjM9VPIm088od1l6aSorWRWg=',
      ),
    ).toEqual([]);
    // Any other field of a lockfile is judged.
    expect(findHighEntropyTokens('package-lock.json', `      "token": "${AWS_LIKE_SECRET}",`)).toHaveLength(
      1,
    );
  });

  it('allows commit ids where a commit id is expected, and only there', () => {
    const commit = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4';
    expect(
      findHighEntropyTokens('.github/workflows/ci.yml', `      - uses: actions/checkout@${commit}`),
    ).toEqual([]);
    expect(findHighEntropyTokens('.git-blame-ignore-revs', commit)).toEqual([]);
    expect(findHighEntropyTokens('CHANGELOG.md', `This reverts commit ${commit}.`)).toEqual([]);
    expect(findHighEntropyTokens('config.js', `const key = "${commit}";`)).toHaveLength(1);
  });
});
