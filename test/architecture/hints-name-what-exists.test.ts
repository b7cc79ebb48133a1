import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every production source file (tests name files of their own scratch repositories). */
function sourceFiles(dir = path.join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(file);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [file] : [];
  });
}

/** `[file, what it names]` for every match of `pattern`'s first group in the production sources. */
function mentions(pattern: RegExp): Array<[string, string]> {
  return sourceFiles().flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(pattern)].map((match): [string, string] => [
      path.relative(ROOT, file),
      match[1] as string,
    ]),
  );
}

/**
 * A hint, help text or error that sends the reader to a file or a command sends them somewhere real:
 * `scripted:examples/demo.yaml` once named a file that never existed.
 */
describe('hints name what exists', () => {
  it('every file of the project a message names (examples/, policies/, docs/, scripted:PATH) exists', () => {
    const named = [
      ...mentions(/\b((?:examples|policies|docs)\/[A-Za-z0-9_./-]*[A-Za-z0-9_-])/g),
      ...mentions(/\bscripted:([A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+\.(?:ya?ml|json))/g),
    ];
    expect(named.length).toBeGreaterThan(0);
    const missing = named.filter(([, name]) => !existsSync(path.join(ROOT, name)));
    expect(missing).toEqual([]);
  });

  it('every `warden COMMAND` a message quotes is a command `warden help` lists', async () => {
    let usage = '';
    await main(['help'], {
      out: (text) => (usage += text),
      err: () => {},
      interactive: false,
      env: {},
      cwd: ROOT,
    });
    const commands = new Set([...usage.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1]));
    expect(commands).toContain('resume');
    // The egress proxy signs its refusals `warden egress proxy: …`: a name, not a command.
    const named = mentions(/`warden ([a-z][a-z-]*)\b(?! proxy\b)/g);
    expect(named.length).toBeGreaterThan(10);
    const unknown = named.filter(([, command]) => !commands.has(command));
    expect(unknown).toEqual([]);
  });
});
