// The bare side of the real-repository benchmark, run as its own process so that it is timed the way
// `warden run` is (spawn to exit, start-up included): a plain `git clone` of the repository, then the
// scripted trajectory's tool calls done directly, then the task's check. Shell commands and searches go
// through `sh -c` in the clone (a search is the very `grep` command Warden's search tool runs); list,
// read and edit are the plain file operations. It imports nothing but Node's own modules (and the peak-RSS reader), so its start-up
// is a bare Node's. Usage: node bench/bare-trajectory.ts SCRIPTED_FILE REPOSITORY CLONE_DIR CHECK
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { peakRssKb } from './peak-rss.ts';

/** One operation the bare driver did, and how long it took. */
export interface BareOperation {
  tool: string;
  durationMs: number;
}

export interface BareReport {
  cloneMs: number;
  operations: BareOperation[];
  checkMs: number;
  /** The driver process's own peak RSS, KB. */
  maxRssKb: number;
}

interface ToolCall {
  name: string;
  input: Record<string, string>;
}

const MAX_LISTED = 500;
const MAX_READ_LINES = 2000;
const MAX_MATCHES = 200;

/** Clones `repository` into `cloneDir` and replays the scripted file's tool calls there. */
export async function runBareTrajectory(
  scriptedFile: string,
  repository: string,
  cloneDir: string,
  check: string,
): Promise<BareReport> {
  const scripted = JSON.parse(await readFile(scriptedFile, 'utf8')) as {
    turns: Array<{ tool_calls?: ToolCall[] }>;
  };
  let started = performance.now();
  await shell(`git clone --quiet ${quote(repository)} ${quote(cloneDir)}`, path.dirname(cloneDir));
  const cloneMs = performance.now() - started;
  const operations: BareOperation[] = [];
  for (const call of scripted.turns.flatMap((turn) => turn.tool_calls ?? [])) {
    started = performance.now();
    await operate(call, cloneDir);
    operations.push({ tool: call.name, durationMs: performance.now() - started });
  }
  started = performance.now();
  await shell(check, cloneDir);
  const checkMs = performance.now() - started;
  return { cloneMs, operations, checkMs, maxRssKb: peakRssKb() };
}

async function operate(call: ToolCall, dir: string): Promise<unknown> {
  const { input } = call;
  switch (call.name) {
    case 'shell':
      return shell(input.command!, dir);
    case 'search':
      return shell(
        `grep -rnIE --exclude-dir=.git --exclude-dir=node_modules -e ${quote(input.pattern!)} -- ${quote(input.path ?? '.')}` +
          ` | head -n ${MAX_MATCHES + 1}`,
        dir,
      );
    case 'read_file': {
      const lines = (await readFile(path.join(dir, input.path!), 'utf8')).split('\n');
      return lines.slice(0, MAX_READ_LINES).map((line, index) => `${String(index + 1).padStart(6)}\t${line}`);
    }
    case 'edit_file': {
      const file = path.join(dir, input.path!);
      const text = await readFile(file, 'utf8');
      const at = text.indexOf(input.old_string!);
      return writeFile(
        file,
        text.slice(0, at) + input.new_string + text.slice(at + input.old_string!.length),
      );
    }
    case 'list_files':
      return list(path.join(dir, input.path ?? '.'));
    default:
      throw new TypeError(`the bare driver has no ${call.name}`);
  }
}

/** The files under `start`, recursively, sorted, skipping .git and node_modules, as list_files does. */
async function list(start: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (directory: string): Promise<void> => {
    const entries = await readdir(directory, { withFileTypes: true });
    entries.sort((left, right) => left.name.localeCompare(right.name));
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== '.git' && entry.name !== 'node_modules') await walk(full);
      } else if (files.length < MAX_LISTED) files.push(path.relative(start, full));
    }
  };
  await walk(start);
  return files;
}

/** Runs a command with `sh -c` in `cwd` and collects its output (its exit status is its own business). */
function shell(command: string, cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const output: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.on('error', reject);
    child.on('close', () => resolve(Buffer.concat(output).toString('utf8')));
  });
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

if (import.meta.main) {
  const [scriptedFile, repository, cloneDir, check] = process.argv.slice(2);
  if (!scriptedFile || !repository || !cloneDir || !check) {
    process.stderr.write('usage: node bench/bare-trajectory.ts SCRIPTED_FILE REPOSITORY CLONE_DIR CHECK\n');
    process.exit(2);
  }
  process.stdout.write(
    `${JSON.stringify(await runBareTrajectory(scriptedFile, repository, cloneDir, check))}\n`,
  );
}
