import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import type { EvalReport, PatchSource, TrialResult } from './eval-report.ts';
import { renderHtmlReport } from './html-report.ts';

/** What a run directory was made for: a rerun must ask for the same, or use another directory. */
export interface RunIdentity {
  suite: string;
  source: PatchSource;
  agent?: string | undefined;
  model?: string | undefined;
  predictions?: string | undefined;
  epochs: number;
}

const RunIdentitySchema = z.object({
  suite: z.string(),
  source: z.enum(['gold', 'predictions', 'agent']),
  agent: z.string().optional(),
  model: z.string().optional(),
  predictions: z.string().optional(),
  epochs: z.number().int().positive(),
});

/**
 * A run directory: `run.json` (what it is a run of) and `trials/ID/EPOCH.json`, each written once its
 * trial has finished (to a temporary name, then renamed), so a run killed midway leaves only whole
 * trials behind and a rerun skips them.
 */
export class TrialStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = path.resolve(dir);
  }

  /**
   * Records what this directory is a run of, or checks that a rerun asks for the same.
   *
   * @throws UserError `usage` when the directory holds a run of something else.
   */
  async claim(identity: RunIdentity): Promise<void> {
    await mkdir(path.join(this.dir, 'trials'), { recursive: true });
    const file = path.join(this.dir, 'run.json');
    let text: string | undefined;
    try {
      text = await readFile(file, 'utf8');
    } catch {}
    if (text === undefined) {
      await writeAtomically(file, `${JSON.stringify(identity, null, 2)}\n`);
      return;
    }
    const recorded = RunIdentitySchema.safeParse(safeJson(text));
    const same =
      recorded.success &&
      (Object.keys(RunIdentitySchema.shape) as Array<keyof RunIdentity>).every(
        (key) => recorded.data[key] === identity[key],
      );
    if (!same) {
      throw new UserError('usage', `${this.dir} holds a run of something else (see its run.json)`, {
        hint: 'give --out a new directory, or rerun with the suite, source, model and epochs it was made for',
      });
    }
  }

  /** The finished trials, by `ID/EPOCH`; a file that does not parse (a torn write) is not finished. */
  async finished(): Promise<Map<string, TrialResult>> {
    const trials = new Map<string, TrialResult>();
    const root = path.join(this.dir, 'trials');
    let ids: string[] = [];
    try {
      ids = await readdir(root);
    } catch {}
    for (const id of ids) {
      for (const name of await readdir(path.join(root, id)).catch(() => [] as string[])) {
        if (!/^\d+\.json$/.test(name)) continue;
        const trial = safeJson(await readFile(path.join(root, id, name), 'utf8')) as TrialResult | undefined;
        if (trial?.instanceId === id && typeof trial.status === 'string')
          trials.set(trialKey(id, trial.epoch), trial);
      }
    }
    return trials;
  }

  /** Writes `report.json`, and `report.html` beside it (the same report, for a person to read). */
  async saveReport(report: EvalReport): Promise<void> {
    await writeAtomically(path.join(this.dir, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    await writeAtomically(path.join(this.dir, 'report.html'), renderHtmlReport(report));
  }

  /** Saves a finished trial. */
  async save(trial: TrialResult): Promise<void> {
    const dir = path.join(this.dir, 'trials', trial.instanceId);
    await mkdir(dir, { recursive: true });
    await writeAtomically(path.join(dir, `${trial.epoch}.json`), `${JSON.stringify(trial, null, 2)}\n`);
  }
}

/** The key of a trial in `TrialStore.finished`. */
export function trialKey(instanceId: string, epoch: number): string {
  return `${instanceId}/${epoch}`;
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, file);
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
