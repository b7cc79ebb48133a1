import { mkdir, mkdtemp, readFile, realpath, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { UserError } from '../spec/errors.ts';
import { openNoFollow, resolveInWorkspace } from './safe-path.ts';

let workspace: string;
let outside: string;

beforeAll(async () => {
  workspace = await realpath(await mkdtemp(path.join(os.tmpdir(), 'warden-safe-path-')));
  outside = await realpath(await mkdtemp(path.join(os.tmpdir(), 'warden-safe-path-outside-')));
  await mkdir(path.join(workspace, 'src'));
  await mkdir(path.join(workspace, '.git'));
  await writeFile(path.join(workspace, 'src', 'app.js'), 'app\n');
  await writeFile(path.join(outside, 'secret.txt'), 'secret\n');
  await symlink('/etc', path.join(workspace, 'etc-link'));
  await symlink('/etc/passwd', path.join(workspace, 'passwd-link'));
  await symlink(outside, path.join(workspace, 'outside-dir'));
  await symlink(path.join(outside, 'not-yet'), path.join(workspace, 'dangling'));
  await symlink('src', path.join(workspace, 'src-link'));
  await symlink('.git', path.join(workspace, 'git-link'));
});

afterAll(async () => {
  await rm(workspace, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

async function refusal(
  userPath: string,
  forWrite: boolean,
  code: 'path-outside-workspace' | 'path-protected' = 'path-outside-workspace',
): Promise<UserError> {
  const error = await resolveInWorkspace(workspace, userPath, { forWrite }).then(
    (resolved) => {
      throw new Error(`expected ${userPath} to be refused, got ${resolved}`);
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UserError);
  expect(error).toMatchObject({ code });
  return error as UserError;
}

describe('resolveInWorkspace', () => {
  test('accepts relative paths, /workspace paths and host paths inside', async () => {
    const expected = path.join(workspace, 'src', 'app.js');
    expect(await resolveInWorkspace(workspace, 'src/app.js', { forWrite: false })).toBe(expected);
    expect(await resolveInWorkspace(workspace, './src/../src/app.js', { forWrite: true })).toBe(expected);
    expect(await resolveInWorkspace(workspace, '/workspace/src/app.js', { forWrite: false })).toBe(expected);
    expect(await resolveInWorkspace(workspace, '/workspace', { forWrite: false })).toBe(workspace);
    expect(await resolveInWorkspace(workspace, expected, { forWrite: false })).toBe(expected);
    expect(await resolveInWorkspace(workspace, 'src-link/app.js', { forWrite: true })).toBe(expected);
  });

  test('accepts paths that do not exist yet', async () => {
    expect(await resolveInWorkspace(workspace, 'new/deep/file.txt', { forWrite: true })).toBe(
      path.join(workspace, 'new', 'deep', 'file.txt'),
    );
  });

  test('refuses ".." escapes', async () => {
    const error = await refusal('../x', true);
    expect(error.message).toContain('..');
    await refusal('src/../../x', false);
    await refusal('/workspace/../etc/passwd', false);
  });

  test('refuses absolute paths outside', async () => {
    const error = await refusal('/etc/passwd', false);
    expect(error.message).toBe('/etc/passwd: is outside the workspace (/workspace)');
    await refusal(path.join(outside, 'secret.txt'), false);
    await refusal('/workspacefoo/x', false);
  });

  test('refuses symbolic links that lead outside, at the end or in the middle', async () => {
    await refusal('etc-link', false);
    await refusal('etc-link/passwd', false);
    await refusal('passwd-link', true);
    await refusal('outside-dir/secret.txt', false);
    await refusal('outside-dir/new-file.txt', true);
    await refusal('dangling', true);
    await refusal('dangling/inside', true);
  });

  test('refuses writes under .git but allows reads', async () => {
    await refusal('.git/hooks/pre-commit', true, 'path-protected');
    await refusal('/workspace/.git/config', true, 'path-protected');
    await refusal('src/.git/config', true, 'path-protected');
    await refusal('.GIT/config', true, 'path-protected');
    const error = await refusal('git-link/config', true, 'path-protected');
    expect(error.message).toContain('needs approval');
    expect(await resolveInWorkspace(workspace, '.git/config', { forWrite: false })).toBe(
      path.join(workspace, '.git', 'config'),
    );
  });

  test('refuses writes to protected paths, present or not, and says it needs approval', async () => {
    const error = await refusal('.github/workflows/release.yml', true, 'path-protected');
    expect(error.message).toBe(
      '.github/workflows/release.yml: is a protected path (repository metadata, CI, hooks, agent or editor config); changing it needs approval',
    );
    for (const protectedPath of [
      '.envrc',
      '.npmrc',
      '.husky/pre-commit',
      '.claude/settings.json',
      '.mcp.json',
    ])
      await refusal(protectedPath, true, 'path-protected');
    await refusal('/workspace/warden.yaml', true, 'path-protected');
    expect(await resolveInWorkspace(workspace, '.github/ISSUE_TEMPLATE/bug.md', { forWrite: true })).toBe(
      path.join(workspace, '.github', 'ISSUE_TEMPLATE', 'bug.md'),
    );
    expect(
      await resolveInWorkspace(workspace, '.envrc', { forWrite: true, protectedPaths: ['.github/'] }),
    ).toBe(path.join(workspace, '.envrc'));
    expect(await resolveInWorkspace(workspace, '.envrc', { forWrite: false })).toBe(
      path.join(workspace, '.envrc'),
    );
  });

  test('an approved write reaches the protected path it names, never .git nor another through a link', async () => {
    const approved = { forWrite: true, approved: true };
    expect(await resolveInWorkspace(workspace, '.github/workflows/ci.yml', approved)).toBe(
      path.join(workspace, '.github', 'workflows', 'ci.yml'),
    );
    const refused = async (userPath: string) =>
      await resolveInWorkspace(workspace, userPath, approved).then(
        () => undefined,
        (error: unknown) => (error as UserError).code,
      );
    expect(await refused('.git/hooks/pre-commit')).toBe('path-protected');
    expect(await refused('.GIT/config')).toBe('path-protected');
    await writeFile(path.join(workspace, '.envrc'), 'export A=1\n');
    await symlink('.envrc', path.join(workspace, 'envrc-link'));
    try {
      // The link itself is an ordinary path; the approval named it, not the protected file it leads to.
      expect(await refused('envrc-link')).toBe('path-protected');
    } finally {
      await unlink(path.join(workspace, 'envrc-link'));
      await unlink(path.join(workspace, '.envrc'));
    }
  });

  test('refuses empty paths and NUL bytes', async () => {
    await refusal('', false);
    await refusal('src/app.js\0.txt', false);
  });
});

describe('openNoFollow', () => {
  test('reads and writes regular files', async () => {
    const target = await resolveInWorkspace(workspace, 'written.txt', { forWrite: true });
    const writer = await openNoFollow(target, 'write');
    await writer.writeFile('content\n');
    await writer.close();
    const reader = await openNoFollow(target, 'read');
    expect(await reader.readFile('utf8')).toBe('content\n');
    await reader.close();
  });

  test('refuses a symbolic link swapped in after the check', async () => {
    const checked = await resolveInWorkspace(workspace, 'swapped.txt', { forWrite: true });
    await writeFile(checked, 'original\n');
    await unlink(checked);
    await symlink(path.join(outside, 'secret.txt'), checked);
    await expect(openNoFollow(checked, 'read')).rejects.toMatchObject({ code: 'path-outside-workspace' });
    await expect(openNoFollow(checked, 'write')).rejects.toMatchObject({ code: 'path-outside-workspace' });
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe('secret\n');
  });

  test('a missing file is path-not-found', async () => {
    await expect(openNoFollow(path.join(workspace, 'missing.txt'), 'read')).rejects.toMatchObject({
      code: 'path-not-found',
    });
  });
});
