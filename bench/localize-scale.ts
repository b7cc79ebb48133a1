// `localize` on a repository of 20,000 files: cold (empty cache: the walk, every file read and indexed,
// the candidates tagged) and warm (the index and tags from the cache, nothing changed), each in its own
// process so its peak RSS is its own; against the same process running a plain BM25 pass over the same
// files (the search module's `firstLook`, which reads every file and keeps no index).
//
// The repository is built without network from the project's own node_modules: its .js/.ts/.mjs/.cjs
// files (nested node_modules left out, ≤ 256 KB each) in sorted order, copied again under `copy-2/`
// until there are 20,000. It is cached under the OS temp directory.
//
//   node bench/localize-scale.ts
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLook } from '../src/context/first-look.ts';
import { localize } from '../src/context/localize.ts';

const FILES = 20_000;
const MAX_BYTES = 256 * 1024;
const TASK =
  'Calling `parseArgs` with a `--flag=value` option whose value contains an equals sign drops everything after the second `=`; expected the whole value to be kept.';
const PROJECT = fileURLToPath(new URL('..', import.meta.url));

async function sourceFiles(dir: string, relative = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(path.join(dir, relative), { withFileTypes: true })).sort((a, b) =>
    a.name < b.name ? -1 : 1,
  )) {
    const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      out.push(...(await sourceFiles(dir, child)));
    } else if (entry.isFile() && /\.(js|ts|mjs|cjs)$/.test(entry.name)) {
      out.push(child);
    }
  }
  return out;
}

/** The 20,000-file repository (built once, then reused). */
export async function scaleRepository(): Promise<string> {
  const root = path.join(tmpdir(), 'warden-localize-scale', `repo-${FILES}`);
  if (existsSync(path.join(root, '.complete'))) return root;
  await rm(root, { recursive: true, force: true });
  const modules = path.join(PROJECT, 'node_modules');
  const sources: string[] = [];
  for (const file of await sourceFiles(modules)) {
    if ((await stat(path.join(modules, file))).size <= MAX_BYTES) sources.push(file);
  }
  let copied = 0;
  for (let round = 1; copied < FILES; round++) {
    for (const file of sources) {
      if (copied >= FILES) break;
      const target = path.join(root, round === 1 ? '' : `copy-${round}`, file);
      await mkdir(path.dirname(target), { recursive: true });
      await copyFile(path.join(modules, file), target);
      copied++;
    }
  }
  await writeFile(path.join(root, '.complete'), '');
  return root;
}

interface Measure {
  ms: number;
  peakRssMb: number;
  files: number;
}

function child(mode: string, root: string, cacheDir: string): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const process_ = spawn(
      process.execPath,
      [fileURLToPath(import.meta.url), '--child', mode, root, cacheDir],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    process_.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    process_.on('error', reject);
    process_.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out) as Measure) : reject(new Error(`${mode} exited ${code}`)),
    );
  });
}

async function runChild(mode: string, root: string, cacheDir: string): Promise<void> {
  const started = performance.now();
  let files = 0;
  if (mode === 'bm25') {
    files = (await firstLook(root, TASK, { k: 10 })).length;
  } else {
    files = (await localize({ root, task: TASK, k: 10, cacheDir })).considered;
  }
  const ms = performance.now() - started;
  process.stdout.write(JSON.stringify({ ms, peakRssMb: process.resourceUsage().maxRSS / 1024, files }));
}

export interface LocalizeScale {
  files: number;
  cold: Measure;
  warm: Measure;
  bm25: Measure;
}

/** Cold, warm and the plain BM25 pass, each in a fresh process. */
export async function benchLocalizeScale(): Promise<LocalizeScale> {
  const root = await scaleRepository();
  const cacheDir = await mkdtemp(path.join(tmpdir(), 'warden-localize-scale-cache-'));
  try {
    const cold = await child('localize', root, cacheDir);
    const warm = await child('localize', root, cacheDir);
    const bm25 = await child('bm25', root, cacheDir);
    return { files: cold.files, cold, warm, bm25 };
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
}

export function describeLocalizeScale(scale: LocalizeScale): string {
  const f = (value: number, digits = 0) => value.toFixed(digits);
  return `(v) \`localize\` on ${scale.files.toLocaleString('en-US')} files: cold ${f(scale.cold.ms)} ms / ${f(scale.cold.peakRssMb)} MB peak RSS, warm ${f(scale.warm.ms)} ms / ${f(scale.warm.peakRssMb)} MB (warm/cold ${f(scale.warm.ms / scale.cold.ms, 2)}) vs a plain BM25 pass over the same files (firstLook, no index) ${f(scale.bm25.ms)} ms / ${f(scale.bm25.peakRssMb)} MB: cold ${f(scale.cold.ms / scale.bm25.ms, 2)}×, warm ${f(scale.warm.ms / scale.bm25.ms, 2)}×`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--child') {
    await runChild(process.argv[3] as string, process.argv[4] as string, process.argv[5] as string);
  } else {
    console.log(describeLocalizeScale(await benchLocalizeScale()));
  }
}
