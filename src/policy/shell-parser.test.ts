import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveShellFacts } from './shell-facts.ts';
import { createShellParser } from './shell-parser.ts';
import { createWorkspacePaths } from './workspace-paths.ts';

const workspace = mkdtempSync(path.join(tmpdir(), 'warden-shell-'));
mkdirSync(path.join(workspace, 'src'));
symlinkSync('/etc', path.join(workspace, 'etc-link'));
symlinkSync('/workspace/.git', path.join(workspace, 'git-link'));
afterAll(() => rmSync(workspace, { recursive: true, force: true }));
const parser = createShellParser();
const paths = createWorkspacePaths({ hostDir: workspace });
const facts = async (command: string) => {
  const parsed = await parser.parse(command);
  return parsed.commands.map((simple) => deriveShellFacts(simple, paths, command));
};

describe('shell facts', () => {
  it('finds every simple command, with wrappers peeled and what feeds each', async () => {
    const found = await facts(
      'timeout 5 env FOO=1 npx -y prettier@3 --check . | tee out.txt && echo $(git rev-parse HEAD)',
    );
    expect(found.map((fact) => fact.program)).toEqual([
      'timeout',
      'env',
      'npx',
      'prettier',
      'tee',
      'git',
      'echo',
    ]);
    expect(found[3]).toMatchObject({ wrappers: ['timeout', 'env', 'npx'], flags: ['--check'] });
    expect(found[4]?.inputsFrom).toEqual(expect.arrayContaining(['timeout', 'prettier']));
    expect(found[6]?.inputsFrom).toContain('git');
  });

  it('removes quotes and escapes before naming the program', async () => {
    for (const command of ["'g'it push", 'g\\it push', "$'\\x67it' push", '"git" push']) {
      expect((await facts(command))[0]).toMatchObject({ program: 'git', subcommand: 'push' });
    }
    expect((await facts('git -C sub -c x=y push'))[0]).toMatchObject({ subcommand: 'push' });
  });

  it('resolves write targets, symlinks and cd included', async () => {
    expect((await facts('echo x > etc-link/passwd'))[0]).toMatchObject({ writesOutside: true });
    expect((await facts('rm -rf git-link/hooks'))[0]).toMatchObject({
      writesProtected: true,
      writesOutside: false,
    });
    expect((await facts('cd src && rm -rf ../..'))[1]).toMatchObject({ writesOutside: true });
    expect((await facts('cd "$DIR" && rm -rf build'))[1]).toMatchObject({ uncertainWrites: true });
    expect((await facts('rm -rf /workspace/src'))[0]).toMatchObject({
      writesOutside: false,
      writesProtected: false,
    });
    expect((await facts('cp a.txt /tmp/b.txt'))[0]).toMatchObject({ writesOutside: false });
  });

  it('finds write targets named by options, per program', async () => {
    for (const command of [
      'tar -xf x.tar -C /',
      'tar xzf x.tgz --directory=/etc',
      'curl -sSLo /etc/x https://example.com',
      'curl --output /root/x https://example.com',
      'wget -P /root https://example.com',
      'git -C .. reset --hard',
      'git --work-tree=/ checkout .',
      'git worktree add ../x',
      'cp --target-directory=/etc a',
      'unzip x.zip -d /',
      'pip install -t/usr/lib/x y',
      'npm install --prefix /usr/local zod',
    ]) {
      expect((await facts(command))[0], command).toMatchObject({ writesOutside: true });
    }
    for (const command of [
      'tar -czf out.tgz -C / etc',
      'tar -xzf x.tgz -C build',
      'curl -o /dev/null https://example.com',
      'wget -qO- https://example.com',
      'git -C . status',
      'git -C src log',
      'gcc -O2 -o app main.c',
      'unzip -q x.zip -d out',
    ]) {
      expect((await facts(command))[0], command).toMatchObject({
        writesOutside: false,
        writesProtected: false,
      });
    }
    expect((await facts('tar -xf x.tar -C .git'))[0]).toMatchObject({ writesProtected: true });
    expect((await facts('curl -o "$OUT" https://example.com'))[0]).toMatchObject({ uncertainWrites: true });
    expect((await facts('git -C src commit -m "$MESSAGE"'))[0]).toMatchObject({ uncertainWrites: false });
  });

  it('recognises publishing and pushing in any spelling', async () => {
    for (const command of [
      'npm --tag beta publish',
      'npm pub',
      'npm unp x@1',
      'bun publish',
      'yarn npm publish',
      'pnpm -r publish',
      'python3 setup.py sdist upload',
      'python -m twine upload dist/*',
      'cargo +nightly publish',
      'gem push x.gem',
      'mvn clean deploy',
      'gradle build publish',
    ]) {
      expect((await facts(command)).at(-1), command).toMatchObject({ publishes: true });
    }
    for (const command of ['git -c x=y push', 'git --no-pager push', 'git subtree push --prefix a o b']) {
      expect((await facts(command)).at(-1), command).toMatchObject({ pushes: true });
    }
    for (const command of ['echo publish | xargs npm', 'npm $VERB', 'echo push | xargs git']) {
      expect((await facts(command)).at(-1), command).toMatchObject({ remoteEffectUncertain: true });
    }
    for (const command of [
      'npm install publish',
      'npm run publish',
      'npm version',
      'npm install $PKG',
      'git commit -m push',
    ]) {
      expect((await facts(command)).at(-1), command).toMatchObject({
        publishes: false,
        pushes: false,
        remoteEffectUncertain: false,
      });
    }
  });

  it('reads outside the workspace: home and /proc, not the system directories', async () => {
    for (const command of [
      'cat ~/.ssh/id_rsa',
      'cat /proc/1/environ',
      'cat /etc/shadow',
      'cat "$HOME/.netrc"',
      'ls /home',
    ]) {
      expect((await facts(command))[0], command).toMatchObject({ readsOutside: true });
    }
    for (const command of ['cat /etc/os-release', 'ls /usr/include', 'cat /tmp/x', 'cat src/x']) {
      expect((await facts(command))[0], command).toMatchObject({ readsOutside: false });
    }
  });

  it('marks opaque, computed and environment-changing commands', async () => {
    expect((await facts('eval "$X"'))[0]).toMatchObject({ opaque: true });
    expect((await facts('$TOOL run'))[0]).toMatchObject({ dynamicCommand: true });
    expect((await facts('PATH=/tmp ls'))[0]).toMatchObject({ riskyEnvironment: true });
    expect((await facts('export LD_PRELOAD=/x.so; ls'))[1]).toMatchObject({ riskyEnvironment: true });
    expect((await facts('f() { ls; }; f')).at(-1)).toMatchObject({ program: 'f', definedFunction: true });
  });

  it('flags hidden and look-alike characters, not other scripts', async () => {
    expect((await facts('ls\u200b -la'))[0]).toMatchObject({ hiddenCharacters: true });
    expect((await facts('gіt status'))[0]).toMatchObject({ mixedScripts: true });
    expect((await facts('echo "привет мир"'))[0]).toMatchObject({
      mixedScripts: false,
      hiddenCharacters: false,
    });
  });

  it('reports what it cannot parse', async () => {
    expect((await parser.parse('echo "open')).unparsable).toMatch(/syntax error/);
    expect((await parser.parse('ls -la')).unparsable).toBeUndefined();
  });
});
