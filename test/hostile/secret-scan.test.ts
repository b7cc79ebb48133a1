import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepo, runWarden, scratch, writeScript } from '../support/cli.ts';

// Made up for this test: the shapes of an AWS key pair and an RSA private key, of no account.
const ACCESS_KEY_ID = 'AKIAQYLPMN5HHHFPZAM2';
const SECRET_ACCESS_KEY = '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';
const KEY_BODY =
  'MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u';
const PRIVATE_KEY = `-----BEGIN RSA PRIVATE KEY-----\n${KEY_BODY}\n-----END RSA PRIVATE KEY-----\n`;

const write = (file: string, content: string) => ({
  tool_calls: [{ name: 'write_file', input: { path: file, content } }],
  usage: { input_tokens: 1000, output_tokens: 40 },
});

/** Every file under `dir` that holds `needle`, as paths relative to `dir`. */
function filesHolding(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const name of readdirSync(current)) {
      const full = path.join(current, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (readFileSync(full).includes(needle)) found.push(path.relative(dir, full));
    }
  };
  walk(dir);
  return found;
}

describe('secrets never leave: a change with a secret makes no branch and reaches no forge', () => {
  const work = scratch('secrets');
  let repo: string;
  let remote: string;
  let configFile: string;

  const run = async (name: string, turns: unknown[]) => {
    const home = path.join(work.dir, `home-${name}`);
    const script = writeScript(work.dir, { turns }, `${name}.json`);
    const result = await runWarden([
      'run',
      '--repo',
      repo,
      '--task',
      `configure (${name})`,
      '--model',
      `scripted:${script}`,
      '--config',
      configFile,
      '--data-dir',
      home,
      '--json',
    ]);
    const report = JSON.parse(result.stdout);
    const trace = await runWarden(['trace', report.taskId, '--json', '--data-dir', home]);
    return { ...result, report, home, events: JSON.parse(trace.stdout) as Array<Record<string, unknown>> };
  };
  const remoteBranches = () =>
    execFileSync('git', ['--git-dir', remote, 'for-each-ref', '--format=%(refname)', 'refs/heads/'])
      .toString()
      .trim()
      .split('\n');

  beforeAll(() => {
    repo = makeRepo(path.join(work.dir, 'repo'), { 'README.md': '# hello\n' });
    remote = path.join(work.dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', repo, remote]);
    configFile = path.join(work.dir, 'config.json');
    // A check that passes: without the scan, each of these tasks would succeed and be delivered.
    writeFileSync(configFile, JSON.stringify({ agent: { check: 'true' }, forge: { kind: 'local', remote } }));
  });
  afterAll(work.cleanup);

  it('blocks an AWS access key pair written into config.js, naming the file and line', async () => {
    const config = [
      'module.exports = {',
      '  region: "eu-west-1",',
      `  aws_access_key_id: "${ACCESS_KEY_ID}",`,
      `  aws_secret_access_key: "${SECRET_ACCESS_KEY}",`,
      '};',
      '',
    ].join('\n');
    const { code, report, events, home, stderr } = await run('aws', [
      write('config.js', config),
      { text: 'done' },
    ]);
    expect(report.status, stderr).toBe('blocked');
    expect(report.stopReason).toBe('secret-found');
    expect(code).toBe(3);
    expect(report.branch).toBeNull();
    expect(report.detail).toContain('config.js:3');
    expect(report.detail).toContain('config.js:4');
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
    expect(remoteBranches()).toEqual(['refs/heads/main']);
    expect(report.delivery ?? null).toBeNull();

    const detected = events.filter((event) => event.type === 'secret-detected');
    expect(detected).toHaveLength(1);
    expect(detected[0]).toMatchObject({
      where: 'branch',
      findings: [
        { file: 'config.js', line: 3, rule: 'aws', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) },
        { file: 'config.js', line: 4, rule: 'aws' },
      ],
    });
    for (const secret of [ACCESS_KEY_ID, SECRET_ACCESS_KEY]) {
      expect(JSON.stringify(detected)).not.toContain(secret);
      expect(report.detail).not.toContain(secret);
      expect(JSON.stringify(events.find((event) => event.type === 'task-end'))).not.toContain(secret);
      // The model's own write_file call is journaled with its input, as every tool call is: that is
      // where the secret is, and nowhere else in the data directory (no branch, no result commit).
      const holding = events
        .filter((event) => JSON.stringify(event).includes(secret))
        .map((event) => event.type);
      expect([...new Set(holding)]).toEqual(['model-response', 'tool-call-start']);
      expect(
        filesHolding(home, secret).every((file) => file.endsWith('.db') || file.includes('scripted')),
      ).toBe(true);
    }
    // Nothing of the change went into the user's repository.
    expect(filesHolding(path.join(repo, '.git'), SECRET_ACCESS_KEY)).toEqual([]);
  });

  it('blocks a private key block, at its first line', async () => {
    const { code, report, events } = await run('rsa', [
      write('deploy/key.pem', `# deploy key\n${PRIVATE_KEY}`),
      { text: 'done' },
    ]);
    expect(code).toBe(3);
    expect(report).toMatchObject({ status: 'blocked', branch: null });
    expect(report.detail).toContain('deploy/key.pem:2');
    expect(git(repo, 'branch', '--list', 'warden/*')).toBe('');
    expect(remoteBranches()).toEqual(['refs/heads/main']);
    const detected = events.find((event) => event.type === 'secret-detected');
    expect(detected).toMatchObject({ findings: [{ file: 'deploy/key.pem', line: 2, rule: 'privatekey' }] });
    expect(JSON.stringify(detected)).not.toContain(KEY_BODY.slice(0, 24));
    expect(filesHolding(path.join(repo, '.git'), KEY_BODY.slice(0, 24))).toEqual([]);
  });

  it('lets a clean change through: branch made, pushed, pull request opened', async () => {
    const { code, report, events } = await run('clean', [
      write('config.js', 'module.exports = { region: "eu-west-1" };\n'),
      { text: 'done' },
    ]);
    expect(code).toBe(0);
    expect(report).toMatchObject({ status: 'succeeded', delivery: { status: 'opened' } });
    expect(git(remote, 'show', `${report.branch}:config.js`)).toContain('eu-west-1');
    expect(events.some((event) => event.type === 'secret-detected')).toBe(false);
  });
});
