import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chooseEntry } from '../../bin/choose-entry.ts';

let root: string;
let rootUrl: URL;
const source = () => pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href;
const bundle = () => pathToFileURL(path.join(root, 'dist', 'main.js')).href;

/** A project with two source files and a bundle whose manifest records them as they are now. */
beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'warden-entry-'));
  rootUrl = pathToFileURL(`${root}/`);
  mkdirSync(path.join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(path.join(root, 'dist'));
  writeFileSync(path.join(root, 'src', 'cli', 'main.ts'), 'export const main = 1;\n');
  writeFileSync(path.join(root, 'src', 'cli', 'io.ts'), 'export const io = 1;\n');
  writeFileSync(path.join(root, 'dist', 'main.js'), 'export const main = 1;\n');
  writeManifest();
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function writeManifest(): void {
  const inputs = ['main.ts', 'io.ts'].map((name) => {
    const file = path.join(root, 'src', 'cli', name);
    const { size, mtimeMs } = statSync(file);
    return { file: path.relative(path.join(root, 'dist'), file), size, mtimeMs };
  });
  writeFileSync(path.join(root, 'dist', 'manifest.json'), JSON.stringify({ entry: 'main.js', inputs }));
}

describe('bin/warden.js runs the bundle only while it matches the source', () => {
  it('runs the bundle when every input is as it was built', () => {
    expect(chooseEntry(rootUrl, {})).toBe(bundle());
  });

  it('runs the source once a file is edited, even to the same size', () => {
    const file = path.join(root, 'src', 'cli', 'io.ts');
    writeFileSync(file, 'export const io = 2;\n');
    utimesSync(file, new Date(), new Date(Date.now() + 5_000));
    expect(chooseEntry(rootUrl, {})).toBe(source());
  });

  it('runs the source when an input is gone, the manifest is missing or garbage, or it is asked to', () => {
    expect(chooseEntry(rootUrl, { WARDEN_FROM_SOURCE: '1' })).toBe(source());
    rmSync(path.join(root, 'src', 'cli', 'io.ts'));
    expect(chooseEntry(rootUrl, {})).toBe(source());
    writeFileSync(path.join(root, 'dist', 'manifest.json'), '{"entry": "main.js", "inputs": []}');
    expect(chooseEntry(rootUrl, {})).toBe(source());
    writeFileSync(path.join(root, 'dist', 'manifest.json'), 'not json');
    expect(chooseEntry(rootUrl, {})).toBe(source());
    rmSync(path.join(root, 'dist'), { recursive: true });
    expect(chooseEntry(rootUrl, {})).toBe(source());
  });
});
