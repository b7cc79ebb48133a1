import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { findNodeInstalls, requestedNode, satisfiesNode } from './requested-node.ts';

const dir = mkdtempSync(path.join(os.tmpdir(), 'warden-requested-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A repository folder holding `files`. */
function repository(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  mkdirSync(root, { recursive: true });
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(root, file), content);
  return root;
}

describe('requestedNode', () => {
  test('reads .nvmrc first, then .node-version, .tool-versions and engines.node', () => {
    const all = {
      '.node-version': '21\n',
      '.tool-versions': 'python 3.12.1\nnodejs 20.11.0\n',
      'package.json': JSON.stringify({ engines: { node: '>=18' } }),
    };
    expect(requestedNode(repository('nvmrc', { ...all, '.nvmrc': 'v22.1.0\n' }))).toEqual({
      request: 'v22.1.0',
      file: '.nvmrc',
    });
    expect(requestedNode(repository('node-version', all))).toEqual({ request: '21', file: '.node-version' });
    const { '.node-version': _dropped, ...rest } = all;
    expect(requestedNode(repository('tool-versions', rest))).toEqual({
      request: '20.11.0',
      file: '.tool-versions',
    });
    expect(requestedNode(repository('engines', { 'package.json': all['package.json'] }))).toEqual({
      request: '>=18',
      file: 'package.json engines.node',
    });
    expect(requestedNode(repository('none', { 'README.md': '#\n' }))).toBeUndefined();
  });

  test('ignores names that are not versions, broken manifests, and a version file that is a link', () => {
    expect(requestedNode(repository('lts', { '.nvmrc': 'lts/iron\n', 'package.json': '{' }))).toBeUndefined();
    const linked = repository('linked', {});
    writeFileSync(path.join(dir, 'outside-nvmrc'), '22\n');
    symlinkSync(path.join(dir, 'outside-nvmrc'), path.join(linked, '.nvmrc'));
    expect(requestedNode(linked)).toBeUndefined();
  });
});

describe('satisfiesNode', () => {
  test.each([
    ['v20.11.0', '20', true],
    ['v20.11.0', 'v20.11', true],
    ['v20.11.0', '20.11.1', false],
    ['v20.11.0', '20.x', true],
    ['v22.6.0', '>=22.6', true],
    ['v22.5.9', '>=22.6', false],
    ['v20.11.0', '^20.1', true],
    ['v21.0.0', '^20.1', false],
    ['v20.11.5', '~20.11.2', true],
    ['v20.12.0', '~20.11.2', false],
    ['v18.19.0', '^18.19 || >=20', true],
    ['v19.0.0', '^18.19 || >=20', false],
    ['v20.11.0', '>=18 <21', true],
    ['v21.0.0', '>=18 <21', false],
    ['v20.11.0', '>= 18', true],
    ['v16.20.0', '>= 18', false],
    ['v20.11.0', '*', true],
    ['v20.11.0', 'lts/iron', false],
  ])('%s against %s: %s', (version, request, expected) => {
    expect(satisfiesNode(version, request)).toBe(expected);
  });
});

describe('findNodeInstalls', () => {
  test('lists nvm installs newest first, by the version their folder names', () => {
    const nvm = path.join(dir, 'nvm');
    for (const version of ['v18.20.1', 'v22.3.0', 'not-a-version']) {
      mkdirSync(path.join(nvm, 'versions', 'node', version, 'bin'), { recursive: true });
      symlinkSync(process.execPath, path.join(nvm, 'versions', 'node', version, 'bin', 'node'));
    }
    mkdirSync(path.join(nvm, 'versions', 'node', 'v21.0.0'), { recursive: true }); // no bin/node
    const installs = findNodeInstalls({ NVM_DIR: nvm, HOME: path.join(dir, 'no-home') });
    expect(installs.map((install) => install.version)).toEqual(['v22.3.0', 'v18.20.1']);
  });
});
