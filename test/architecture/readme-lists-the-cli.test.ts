import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXIT } from '../../src/cli/exit-codes.ts';
import { main } from '../../src/cli/main.ts';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README is where a user looks first: it names every command and every exit code there is. */
describe('the README lists the command line', () => {
  it('names every command `warden help` lists, in the command table', async () => {
    let usage = '';
    await main(['help'], {
      out: (text) => (usage += text),
      err: () => {},
      interactive: false,
      env: {},
      cwd: '.',
    });
    const commands = [...usage.matchAll(/^ {2}([a-z]+) /gm)].map((match) => match[1] as string);
    expect(commands).toContain('resume');
    const section = README.slice(README.indexOf('## Command line'), README.indexOf('**Exit codes:**'));
    const missing = commands.filter((command) => !section.includes(`\`warden ${command}`));
    expect(missing).toEqual([]);
  });

  it('explains every exit code the command line returns', () => {
    const paragraph = README.slice(README.indexOf('**Exit codes:**')).split('\n\n')[0] as string;
    const missing = Object.values(EXIT).filter((code) => !new RegExp(`\\b${code} [a-z]`).test(paragraph));
    expect(missing).toEqual([]);
  });
});
