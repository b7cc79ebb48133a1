import { describe, expect, it } from 'vitest';
import { parseScriptedFile, scriptedTurnsFor } from './scripted-file.ts';

const file = (data: unknown) => parseScriptedFile(JSON.stringify(data), 'script.json');

describe('a scripted file with roles', () => {
  it("gives each role its own turns, and a role without any the file's turns", () => {
    const script = file({ turns: [{ text: 'shared' }], roles: { fix: { turns: [{ text: 'fixing' }] } } });
    expect(scriptedTurnsFor(script, 'script.json', 'fix')).toEqual([{ text: 'fixing' }]);
    expect(scriptedTurnsFor(script, 'script.json', 'review')).toEqual([{ text: 'shared' }]);
    expect(scriptedTurnsFor(script, 'script.json')).toEqual([{ text: 'shared' }]);
  });

  it('names the role that has no turns, and the roles there are', () => {
    const script = file({ roles: { fix: { turns: [{ text: 'fixing' }] } } });
    expect(() => scriptedTurnsFor(script, 'script.json', 'review')).toThrow(
      expect.objectContaining({
        code: 'scripted-file-invalid',
        message: expect.stringContaining('no turns for the role review'),
        hint: expect.stringContaining('it has roles: fix'),
      }),
    );
  });

  it('refuses a file with neither turns nor roles', () => {
    expect(() => file({ model: 'anthropic:claude-haiku-4-5' })).toThrow(/needs turns, roles or both/);
  });
});
