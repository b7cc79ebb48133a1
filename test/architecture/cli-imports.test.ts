import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SOURCE = fileURLToPath(new URL('../../src/', import.meta.url));
const CLI = path.join(SOURCE, 'cli');

/** Every production file of the CLI, relative to src/. */
function cliFiles(): string[] {
  return (readdirSync(CLI, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join('cli', file))
    .sort();
}

/** The module specifiers a file imports or re-exports, static and dynamic. */
function importsOf(text: string): string[] {
  const found: string[] = [];
  for (const pattern of [
    /\bfrom\s+['"]([^'"]+)['"]/g,
    /\bimport\s+['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
  ]) {
    for (const match of text.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

/**
 * Whether the CLI may import `target` (a path relative to src/, or a package): the Warden core's entry
 * (and its version module, which `warden --version` loads alone, to start in a blink), the shared
 * contracts in spec/, other CLI files (io, args, exit codes, the live view, commands), and Node's own
 * modules. Everything else goes through the core, so every entry point drives the same one.
 */
function allowed(target: string): boolean {
  if (target.startsWith('node:')) return true;
  if (target === 'warden/index.ts' || target === 'warden/version.ts') return true;
  // `warden serve`: the server (built on the core alone, checked below) and the listener that runs it.
  if (target === 'server/index.ts' || target === '@hono/node-server') return true;
  return target.startsWith('cli/') || /^spec\/[^/]+\.ts$/.test(target);
}

describe('the CLI parses arguments, calls the Warden core and prints', () => {
  it('imports nothing but the core, spec/ and its own files', () => {
    const offending: string[] = [];
    for (const file of cliFiles()) {
      for (const specifier of importsOf(readFileSync(path.join(SOURCE, file), 'utf8'))) {
        const target = specifier.startsWith('.')
          ? path.relative(SOURCE, path.resolve(path.dirname(path.join(SOURCE, file)), specifier))
          : specifier;
        if (!allowed(target.split(path.sep).join('/'))) offending.push(`${file} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('sees the imports it checks', () => {
    // A rule that finds no import at all would pass whatever the CLI did.
    const run = readFileSync(path.join(CLI, 'commands/run.ts'), 'utf8');
    expect(importsOf(run)).toContain('../../warden/index.ts');
    expect(allowed('store/index.ts')).toBe(false);
    expect(allowed('agent/index.ts')).toBe(false);
    expect(allowed('warden/create-warden.ts')).toBe(false);
  });
});

describe('the server answers HTTP by calling the Warden core', () => {
  it('imports nothing but the core, spec/, its own files, Hono, croner and zod', () => {
    const offending: string[] = [];
    const dir = path.join(SOURCE, 'server');
    // Its sub-folders too (the dashboard lives in server/dashboard/).
    const files = (readdirSync(dir, { recursive: true }) as string[]).filter(
      (file) => file.endsWith('.ts') && !file.endsWith('.test.ts'),
    );
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      for (const specifier of importsOf(readFileSync(path.join(dir, file), 'utf8'))) {
        const target = specifier.startsWith('.')
          ? path
              .relative(SOURCE, path.resolve(path.dirname(path.join(dir, file)), specifier))
              .split(path.sep)
              .join('/')
          : specifier;
        const ok =
          target.startsWith('node:') ||
          target === 'warden/index.ts' ||
          /^spec\/[^/]+\.ts$/.test(target) ||
          target.startsWith('server/') ||
          target === 'hono' ||
          // Hono's own helpers: `hono/html` (escaping templates) and `hono/cookie`.
          target.startsWith('hono/') ||
          target === 'croner' ||
          target === 'zod';
        if (!ok) offending.push(`server/${file} imports ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
