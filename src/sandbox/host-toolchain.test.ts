import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { resolveHostToolchain, SANDBOX_TOOLCHAIN_DIR } from './host-toolchain.ts';

describe('resolveHostToolchain', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'warden-toolchain-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const wardenNode = process.execPath;

  /** A Node install at `<dir>/<name>/bin/node` (a link to the running node, enough to be found). */
  const install = (name: string): string => {
    const bin = path.join(dir, name, 'bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync(wardenNode, path.join(bin, 'node'));
    return bin;
  };

  test('skips node_modules entries (Warden’s own runtime under `npm run`) and takes the next node', () => {
    const packageBin = path.join(dir, 'project', 'node_modules', '.bin');
    mkdirSync(packageBin, { recursive: true });
    symlinkSync(wardenNode, path.join(packageBin, 'node'));
    const toolchain = resolveHostToolchain([packageBin, '/usr/bin', '/bin'].join(':'), wardenNode);
    expect(toolchain.source).toBe('host');
    expect(toolchain.nodePath.startsWith('/usr/')).toBe(true);
    // /usr is mounted in the sandbox anyway: nothing to add.
    expect(toolchain.mountDir).toBeNull();
    expect(toolchain.pathEntries).toEqual([]);
  });

  test('a node installed outside /usr has its install prefix mounted and first on PATH', () => {
    const bin = install('nvm-like');
    const toolchain = resolveHostToolchain(
      [path.join(dir, 'missing'), bin, '/usr/bin'].join(':'),
      wardenNode,
    );
    expect(toolchain.source).toBe('host');
    // Links resolved: the prefix is where the binary really lives.
    expect(toolchain.mountDir).toBe(path.dirname(path.dirname(toolchain.nodePath)));
    expect(toolchain.pathEntries).toEqual([`${SANDBOX_TOOLCHAIN_DIR}/bin`]);
  });

  test('a host with no node on PATH gets Warden’s runtime, labelled as such', () => {
    const empty = path.join(dir, 'empty');
    mkdirSync(empty, { recursive: true });
    writeFileSync(path.join(empty, 'node'), 'not executable');
    const toolchain = resolveHostToolchain([empty, 'relative/bin'].join(':'), wardenNode);
    expect(toolchain.source).toBe('warden');
  });
});
