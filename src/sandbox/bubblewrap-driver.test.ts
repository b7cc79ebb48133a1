import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { ENV } from '../spec/env.ts';
import { UserError } from '../spec/errors.ts';
import type { ExecOptions } from '../spec/sandbox.ts';
import { createBubblewrapDriver } from './bubblewrap-driver.ts';

const bubblewrapInstalled = spawnSync('bwrap', ['--version']).status === 0;
const inCi = process.env[ENV.ci] === 'true';
const options: ExecOptions = { timeoutMs: 10_000, maxOutputBytes: 64 * 1024 };

if (!bubblewrapInstalled && inCi) {
  test('bubblewrap is installed (required in CI)', () => {
    throw new Error('bwrap is not on PATH; CI must run the sandbox suite (apt-get install bubblewrap)');
  });
}

/** Command lines of every process on the host that mentions `marker`, except this test process. */
async function hostProcessesWith(marker: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const commandLine = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (commandLine.includes(marker)) found.push(`${entry}: ${commandLine.replaceAll('\0', ' ')}`);
  }
  return found;
}

describe.skipIf(!bubblewrapInstalled)('bubblewrap driver (skipped when bwrap is not installed)', () => {
  const driver = createBubblewrapDriver();
  const execIn = async (workspaceDir: string, command: string, execOptions: ExecOptions) =>
    await (await driver.create({ workspaceDir })).exec(command, execOptions);
  let workspace: string;
  let outsideDir: string;

  beforeAll(async () => {
    workspace = await mkdtemp(path.join(os.tmpdir(), 'warden-bwrap-ws-'));
    outsideDir = await mkdtemp(path.join(os.tmpdir(), 'warden-bwrap-outside-'));
    await mkdir(path.join(workspace, '.git'));
    await writeFile(path.join(workspace, '.git', 'config'), '[core]\n');
    await writeFile(path.join(outsideDir, 'secret.txt'), 'host secret');
    await driver.check();
  });

  afterAll(async () => {
    await rm(workspace, { recursive: true, force: true });
    await rm(outsideDir, { recursive: true, force: true });
  });

  test('runs every command under a seccomp filter: io_uring, keyrings, BPF and unshare fail with EPERM', async () => {
    // System call numbers of this machine's architecture; perl's `syscall` reaches them directly.
    const numbers = process.arch === 'arm64' ? [425, 219, 280, 97] : [425, 250, 321, 272];
    const calls = numbers.map((nr) => `syscall(${nr}, 0, 0, 0); print 0+$!, " ";`).join(' ');
    const result = await execIn(workspace, `grep Seccomp: /proc/self/status; perl -e '${calls}'`, options);
    expect(result.stdout).toBe('Seccomp:\t2\n1 1 1 1 ');
    // Ordinary work is untouched: files, processes, node.
    const ordinary = await execIn(
      workspace,
      'node -e "console.log(require(\'os\').cpus().length > 0)"',
      options,
    );
    expect(ordinary).toMatchObject({ exitCode: 0, stdout: 'true\n' });
  });

  test('runs the command in /workspace, which is writable and shared with the host', async () => {
    const result = await execIn(workspace, 'pwd; echo hello > made-inside.txt; exit 3', options);
    expect(result.stdout).toBe('/workspace\n');
    expect(result.exitCode).toBe(3);
    expect(result.timedOut).toBe(false);
    expect(await readFile(path.join(workspace, 'made-inside.txt'), 'utf8')).toBe('hello\n');
  });

  test('has no network: a server listening on the host loopback cannot be reached', async () => {
    const server: Server = createServer((socket) => socket.end('reached'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    try {
      const script = [
        "const net = require('node:net');",
        "console.log(Object.keys(require('node:os').networkInterfaces()).join(','));",
        `net.connect(${port}, '127.0.0.1')`,
        ".on('connect', () => { console.log('connected'); process.exit(0); })",
        ".on('error', (error) => { console.log(error.code); process.exit(7); });",
      ].join('');
      const result = await execIn(workspace, `node -e "${script}"`, options);
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('lo\nECONNREFUSED\n');
      expect(result.exitCode).toBe(7);
    } finally {
      server.close();
    }
  });

  test('node from the host is available inside', async () => {
    const result = await execIn(workspace, 'node -p process.version', options);
    expect(result.stdout.trim()).toMatch(/^v\d+\.\d+\.\d+$/);
  });

  test('writes outside /workspace and /tmp fail', async () => {
    for (const target of ['/usr/x', '/etc/x', '/x', '/bin/x']) {
      const result = await execIn(workspace, `touch ${target}`, options);
      expect(result.exitCode, target).not.toBe(0);
      expect(result.stderr, target).toContain('Read-only file system');
    }
    const scratch = await execIn(workspace, 'touch /tmp/x && echo ok', options);
    expect(scratch.stdout).toBe('ok\n');
  });

  test('/workspace/.git is read-only', async () => {
    const result = await execIn(
      workspace,
      'mkdir /workspace/.git/hooks; echo evil >> .git/config; rm .git/config; mv .git moved; echo done',
      options,
    );
    expect(result.stdout).toBe('done\n');
    expect(result.stderr.match(/Read-only file system|Device or resource busy/g)?.length).toBe(4);
    expect(await readFile(path.join(workspace, '.git', 'config'), 'utf8')).toBe('[core]\n');
  });

  test('the host home, root home and other host directories are not visible', async () => {
    const result = await execIn(
      workspace,
      `ls -d "${os.homedir()}" /root /home "${outsideDir}" /var/run/docker.sock /etc/shadow 2>&1; echo "[$HOME]"`,
      options,
    );
    expect(result.stdout).not.toContain('host secret');
    for (const hidden of [
      os.homedir(),
      '/root',
      '/home',
      outsideDir,
      '/var/run/docker.sock',
      '/etc/shadow',
    ]) {
      expect(result.stdout).toContain(`cannot access '${hidden}'`);
    }
    expect(result.stdout).toContain('[/tmp]');
  });

  test('the environment is an allow-list plus options.env', async () => {
    vi.stubEnv('WARDEN_TEST_HOST_SECRET', 'do-not-leak');
    try {
      const result = await execIn(workspace, 'env', { ...options, env: { EXTRA_SETTING: 'given' } });
      expect(result.stdout).not.toContain('do-not-leak');
      expect(result.stdout).not.toContain('WARDEN_TEST_HOST_SECRET');
      const names = result.stdout
        .trim()
        .split('\n')
        .map((line) => line.split('=')[0])
        .sort();
      // The host's CA variables pass when set (see the toolchain suite); nothing else of the host does.
      const certificates = new Set<string>([
        ENV.nodeExtraCaCerts,
        ENV.sslCertFile,
        ENV.sslCertDir,
        ENV.requestsCaBundle,
        ENV.curlCaBundle,
        ENV.pipCert,
      ]);
      expect(names.filter((name) => !certificates.has(name!))).toEqual([
        'CI',
        'EXTRA_SETTING',
        'HOME',
        'LANG',
        'PATH',
        'PWD',
        'TERM',
      ]);
      expect(result.stdout).toContain('EXTRA_SETTING=given\n');
    } finally {
      vi.unstubAllEnvs();
    }
  });

  test('a command past its timeout is killed and reported', async () => {
    const result = await execIn(workspace, 'sleep 30', { ...options, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    expect(result.exitCode).toBeNull();
    expect(result.signal).toBe('SIGKILL');
    expect(result.durationMs).toBeGreaterThanOrEqual(290);
    expect(result.durationMs).toBeLessThan(3000);
  });

  test('a double-forked sleeper holding the output pipes dies with the sandbox', async () => {
    const marker = `warden-sleeper-${process.pid}-${Date.now()}`;
    // The bracket keeps grep's own command line from matching; the loop waits for the fork to exec.
    const command = [
      `(setsid sh -c 'sleep 60; : ${marker}' &)`,
      `for attempt in 1 2 3 4 5 6 7 8 9 10; do cat /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' ' ' | grep -q '[s]leep 60; : ${marker}' && { echo alive; break; }; sleep 0.1; done`,
    ].join('; ');
    const result = await execIn(workspace, command, options);
    expect(result.stdout).toBe('alive\n');
    expect(result.durationMs).toBeLessThan(3000);
    await vi.waitFor(async () => expect(await hostProcessesWith(marker)).toEqual([]), { timeout: 3000 });
  });

  test('a double-forked sleeper does not survive a timeout either', async () => {
    const marker = `warden-sleeper-timeout-${process.pid}-${Date.now()}`;
    const result = await execIn(
      workspace,
      `(setsid sh -c 'sleep 60; : ${marker}' > /dev/null 2>&1 &); sleep 30`,
      { ...options, timeoutMs: 300 },
    );
    expect(result.timedOut).toBe(true);
    await vi.waitFor(async () => expect(await hostProcessesWith(marker)).toEqual([]), { timeout: 3000 });
  });

  test('floods are capped per stream, with full sizes counted', async () => {
    const result = await execIn(
      workspace,
      'head -c 1000000 /dev/zero | tr "\\0" a; head -c 5000 /dev/zero >&2',
      {
        ...options,
        maxOutputBytes: 1000,
      },
    );
    expect(result.stdout).toBe('a'.repeat(1000));
    expect(result.stdoutBytes).toBe(1_000_000);
    expect(result.stderr.length).toBe(1000);
    expect(result.stderrBytes).toBe(5000);
    expect(result.truncated).toBe(true);
    expect(result.exitCode).toBe(0);
  });

  test('binary output is decoded with replacement characters', async () => {
    const result = await execIn(workspace, "printf '\\377\\376\\000ok'", options);
    expect(result.stdout).toBe('\uFFFD\uFFFD\0ok');
    expect(result.stdoutBytes).toBe(5);
    expect(result.truncated).toBe(false);
  });

  test('protected paths the repository spells in another case are read-only too', async () => {
    const cased = await mkdtemp(path.join(os.tmpdir(), 'warden-bwrap-case-'));
    try {
      await mkdir(path.join(cased, '.GitHub', 'Workflows'), { recursive: true });
      await writeFile(path.join(cased, '.GitHub', 'Workflows', 'ci.yml'), 'on: push\n');
      await writeFile(path.join(cased, '.ENVRC'), 'safe\n');
      const result = await execIn(
        cased,
        'echo x > .GitHub/Workflows/ci.yml; echo x > .GitHub/Workflows/new.yml; echo x > .ENVRC; mv .GitHub moved; echo done',
        options,
      );
      expect(result.stdout).toBe('done\n');
      expect(result.stderr.match(/Read-only file system|Device or resource busy/g)).toHaveLength(4);
      expect(await readFile(path.join(cased, '.GitHub', 'Workflows', 'ci.yml'), 'utf8')).toBe('on: push\n');
      expect(await readFile(path.join(cased, '.ENVRC'), 'utf8')).toBe('safe\n');
    } finally {
      await rm(cased, { recursive: true, force: true });
    }
  });

  test('a workspace whose .git is a symbolic link is refused', async () => {
    const linked = await mkdtemp(path.join(os.tmpdir(), 'warden-bwrap-link-'));
    try {
      await import('node:fs/promises').then((fs) => fs.symlink(outsideDir, path.join(linked, '.git')));
      await expect(execIn(linked, 'true', options)).rejects.toMatchObject({ code: 'sandbox-failed' });
    } finally {
      await rm(linked, { recursive: true, force: true });
    }
  });

  test('a sandboxed true costs little', async () => {
    const runs = 10;
    const started = performance.now();
    for (let index = 0; index < runs; index += 1) await execIn(workspace, 'true', options);
    const perRun = (performance.now() - started) / runs;
    console.info(`sandboxed true: ${perRun.toFixed(1)} ms per run`);
    expect(perRun).toBeLessThan(1000);
  });
});

describe('bubblewrap driver without bubblewrap', () => {
  const driver = createBubblewrapDriver({ bwrapPath: '/nonexistent/bwrap' });

  test('check() says so with an install hint', async () => {
    const error = await driver.check().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({
      code: 'sandbox-unavailable',
      hint: expect.stringContaining('apt-get install bubblewrap'),
    });
  });

  test('create() refuses instead of running unsandboxed', async () => {
    await expect(driver.create({ workspaceDir: os.tmpdir() })).rejects.toMatchObject({
      code: 'sandbox-unavailable',
    });
  });
});
