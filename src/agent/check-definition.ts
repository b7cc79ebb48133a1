import { createHash } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

/** Files larger than this are not read (the repository is untrusted). */
const MAX_BYTES = 1_000_000;

const ScriptsSchema = z.looseObject({ scripts: z.record(z.string(), z.unknown()).optional() });

/**
 * A fingerprint (SHA-256, hex) of what an auto-detected check runs, where a file of the repository
 * defines it: the `pretest`, `test` and `posttest` scripts of `package.json`, or the Makefile holding the
 * `test` target. Taken at the task's start and again before each check, so an agent cannot make the check
 * pass by rewriting it (`"test": "exit 0"`): the check counts only as the repository defined it.
 * `undefined` for checks no workspace file defines (`go test ./...`, pytest, an explicit `agent.check`).
 * A definition that cannot be read (removed, a link, not JSON) has a fingerprint of its own, so removing
 * it is a change too.
 *
 * @param source the `source` of the detected check (`package.json scripts.test, yarn.lock`, `Makefile test target`).
 */
export async function checkDefinitionOf(dir: string, source: string): Promise<string | undefined> {
  const file = definingFile(source);
  if (file === undefined) return undefined;
  const text = await readRegularFile(path.join(dir, file));
  if (file !== 'package.json') return fingerprint(`${file}\n${text ?? '<unreadable>'}`);
  let scripts: unknown = '<unreadable>';
  try {
    const parsed = ScriptsSchema.safeParse(JSON.parse(text ?? ''));
    if (parsed.success) {
      const all = parsed.data.scripts ?? {};
      scripts = { pretest: all.pretest, test: all.test, posttest: all.posttest };
    }
  } catch {
    // not JSON: the unreadable fingerprint
  }
  return fingerprint(`package.json\n${JSON.stringify(scripts)}`);
}

/** The file a detected check's definition lives in, from its `source`; `undefined` for none. */
export function definingFile(source: string): string | undefined {
  if (source.startsWith('package.json scripts.test')) return 'package.json';
  const make = /^(GNUmakefile|makefile|Makefile) test target$/.exec(source);
  return make?.[1];
}

function fingerprint(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function readRegularFile(file: string): Promise<string | undefined> {
  const stats = await lstat(file).catch(() => undefined);
  if (!stats?.isFile() || stats.size > MAX_BYTES) return undefined;
  return readFile(file, 'utf8').catch(() => undefined);
}
