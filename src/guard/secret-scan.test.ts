import { describe, expect, it } from 'vitest';
import { createSecretScanner, describeSecretFinding, type SecretAllowance } from './secret-scan.ts';

// Made up for these tests: the shapes of an AWS key pair and an RSA key, of no account.
const ACCESS_KEY_ID = 'AKIAQYLPMN5HHHFPZAM2';
const SECRET_ACCESS_KEY = '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';
const PRIVATE_KEY = [
  '-----BEGIN RSA PRIVATE KEY-----',
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u',
  '+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzu',
  '-----END RSA PRIVATE KEY-----',
];

const lines = (file: string, texts: string[], first = 1) =>
  texts.map((text, index) => ({ file, line: first + index, text }));

describe('createSecretScanner', () => {
  it('finds an AWS key pair and a private key at their lines, never returning the secret', async () => {
    const scanner = createSecretScanner({ salt: 'test' });
    const findings = await scanner.scanLines([
      ...lines(
        'config.js',
        [`const id = "${ACCESS_KEY_ID}";`, `aws_secret_access_key = "${SECRET_ACCESS_KEY}"`],
        3,
      ),
      ...lines('keys/id_rsa', PRIVATE_KEY, 10),
    ]);
    expect(findings.map(({ file, line, rule }) => ({ file, line, rule }))).toEqual([
      { file: 'config.js', line: 3, rule: 'aws' },
      { file: 'config.js', line: 4, rule: 'aws' },
      { file: 'keys/id_rsa', line: 10, rule: 'privatekey' },
    ]);
    const text = JSON.stringify(findings) + findings.map(describeSecretFinding).join('\n');
    for (const secret of [ACCESS_KEY_ID, SECRET_ACCESS_KEY, PRIVATE_KEY[1]!.slice(0, 20)])
      expect(text).not.toContain(secret);
    for (const finding of findings) expect(finding.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('redacts every secret of a text by fingerprint, and leaves a text without one as it is', async () => {
    const scanner = createSecretScanner({ salt: 'test' });
    const text = [
      `id = "${ACCESS_KEY_ID}"`,
      `aws_secret_access_key = "${SECRET_ACCESS_KEY}"`,
      ...PRIVATE_KEY,
      'done',
    ].join('\n');
    const redacted = await scanner.redact(JSON.stringify({ content: text }));
    for (const secret of [ACCESS_KEY_ID, SECRET_ACCESS_KEY, PRIVATE_KEY[1]!.slice(0, 20)])
      expect(redacted).not.toContain(secret);
    expect(redacted).toMatch(/\[secret [0-9a-f]{16}\]/);
    expect(redacted).toContain('done');
    const plain = 'npm test passed: 12 tests, 0 failures in src/a.test.ts';
    expect(await scanner.redact(plain)).toBe(plain);
  });

  it('gives one secret the same fingerprint under one salt, and another under another salt', async () => {
    const scan = (salt: string) =>
      createSecretScanner({ salt }).scanLines(lines('a.env', [`AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`]));
    const [first] = await scan('one');
    const [again] = await scan('one');
    const [other] = await scan('two');
    expect(again!.fingerprint).toBe(first!.fingerprint);
    expect(other!.fingerprint).not.toBe(first!.fingerprint);
  });

  it('ignores secretlint-disable comments: the scanned text is the agent’s', async () => {
    const findings = await createSecretScanner().scanLines(
      lines('config.js', [
        '// secretlint-disable',
        `const secret = { aws_secret_access_key: "${SECRET_ACCESS_KEY}" };`,
        '// secretlint-enable',
      ]),
    );
    expect(findings.map((finding) => finding.line)).toEqual([2]);
  });

  it('reports a high-entropy token no rule knows, and judges only the added lines', async () => {
    const token = 'zq8Lr2Vx7Pm4Kt9Wb3Hn6Dj1Fs5Gc0Ye';
    const findings = await createSecretScanner().scanLines(
      lines('src/settings.ts', [`export const token = '${token}';`], 40),
    );
    expect(findings).toMatchObject([{ file: 'src/settings.ts', line: 40, rule: 'high-entropy' }]);
    expect(JSON.stringify(findings)).not.toContain(token);
    // Lines between two added ones are empty to the rules: two halves of a key apart make no key.
    const split = await createSecretScanner().scanLines(
      lines('k.pem', [PRIVATE_KEY[0]!]).concat(lines('k.pem', [PRIVATE_KEY[3]!], 9)),
    );
    expect(split).toEqual([]);
  });

  it('applies allowances by fingerprint, by path and rule, and by repository', async () => {
    const line = lines('test/fixtures/aws.env', [`AWS_SECRET_ACCESS_KEY=${SECRET_ACCESS_KEY}`]);
    const [finding] = await createSecretScanner({ salt: 's' }).scanLines(line);
    const allowedBy = async (allow: SecretAllowance[], repo?: string) =>
      (await createSecretScanner({ salt: 's', allow }).scanLines(line, { repo })).length === 0;
    expect(await allowedBy([{ fingerprint: finding!.fingerprint, reason: 'a fake key' }])).toBe(true);
    expect(await allowedBy([{ path: 'test/fixtures/', rule: 'aws', reason: 'fixtures' }])).toBe(true);
    expect(await allowedBy([{ path: 'test/fixtures/', rule: 'high-entropy', reason: 'fixtures' }])).toBe(
      false,
    );
    expect(await allowedBy([{ path: 'test/', reason: 'x', repo: '/repos/a' }], '/repos/a')).toBe(true);
    expect(await allowedBy([{ path: 'test/', reason: 'x', repo: '/repos/a' }], '/repos/b')).toBe(false);
    // An entry naming neither a fingerprint nor a path allows nothing.
    expect(await allowedBy([{ rule: 'aws', reason: 'everything' }])).toBe(false);
  });

  it('scans text bound for the forge by its lines', async () => {
    const findings = await createSecretScanner().scanText(
      'comment',
      `Done.\n\nUse aws_secret_access_key = ${SECRET_ACCESS_KEY} to deploy.`,
    );
    expect(findings).toMatchObject([{ file: 'comment', line: 3, rule: 'aws' }]);
  });
});
