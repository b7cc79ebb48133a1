import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));

describe('installing Warden builds nothing native', () => {
  it('runs the install script of no package but node (the Node 24 that npm scripts run on)', () => {
    const allow = (read('package.json').allowScripts ?? {}) as Record<string, boolean>;
    const lock = read('package-lock.json') as { packages: Record<string, { hasInstallScript?: boolean }> };
    const withScripts = Object.entries(lock.packages)
      .filter(([, entry]) => entry.hasInstallScript)
      .map(([key]) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length));
    // Each needs a decision: a new dependency with an install script fails here until it has one.
    expect(withScripts.filter((name) => !(name in allow))).toEqual([]);
    // Only node's may run: the others compile native addons Warden never loads (ssh2's crypto,
    // cpu-features, the tree-sitter binding; Warden uses tree-sitter's WASM) or only print warnings.
    expect(withScripts.filter((name) => allow[name] === true)).toEqual(['node']);
  });
});
