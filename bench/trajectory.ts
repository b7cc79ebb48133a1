import { writeFileSync } from 'node:fs';

/** A tool call of the scripted model, as the scripted file holds it. */
export interface ScriptedToolCall {
  name: 'list_files' | 'search' | 'read_file' | 'edit_file' | 'shell';
  input: Record<string, string>;
}

/** A scripted model file (see the README's "scripted" section): one turn per model call. */
export interface ScriptedFile {
  model: string;
  turns: Array<{
    text?: string;
    tool_calls?: ScriptedToolCall[];
    usage: { input_tokens: number; output_tokens: number };
  }>;
}

/** What one repository's trajectory does; `trajectoryTurns` puts it in the fixed 30-step order. */
export interface TrajectoryPlan {
  /** The task as the user gives it to `warden run --task`. */
  task: string;
  /** Three `list_files` paths. */
  lists: [string, string, string];
  /** Four searches. */
  searches: [SearchInput, SearchInput, SearchInput, SearchInput];
  /** Six `read_file` paths (large files on a large repository). */
  reads: [string, string, string, string, string, string];
  edit: { path: string; old_string: string; new_string: string };
  /** Sixteen shell commands: the first thirteen before the edit, the last three after it. */
  shell: string[];
  /** The task's check, run when the model is finished (`agent.check`). */
  check: string;
  finalText: string;
}

interface SearchInput {
  pattern: string;
  path?: string;
}

/**
 * The order of the 30 tool steps (then a final answer): L list, S shell, Q search, R read, E edit. It
 * follows how an agent works a task: look around, run the tests, search, read, edit, check its diff.
 */
const SLOTS = 'LSSSSSQSRLQRSSRQRSSLRSQRSSESSS';

/**
 * The scripted model's turns for `plan`. Usage grows as the context does, kept below what the smallest
 * repository's requests can hold (Warden refuses usage above a request's byte count as impossible).
 */
export function trajectoryTurns(plan: TrajectoryPlan): ScriptedFile {
  if (plan.shell.length !== 16)
    throw new RangeError(`a trajectory has 16 shell commands, not ${plan.shell.length}`);
  const queues = {
    L: plan.lists.map((path): ScriptedToolCall => ({ name: 'list_files', input: { path } })),
    S: plan.shell.map((command): ScriptedToolCall => ({ name: 'shell', input: { command } })),
    Q: plan.searches.map((input): ScriptedToolCall => ({ name: 'search', input: { ...input } })),
    R: plan.reads.map((path): ScriptedToolCall => ({ name: 'read_file', input: { path } })),
    E: [{ name: 'edit_file', input: plan.edit } satisfies ScriptedToolCall],
  };
  const turns: ScriptedFile['turns'] = [...SLOTS].map((slot, index) => {
    const call = queues[slot as keyof typeof queues].shift();
    if (!call) throw new RangeError(`the plan has too few calls for slot ${slot}`);
    return { tool_calls: [call], usage: { input_tokens: 1500 + 250 * index, output_tokens: 60 } };
  });
  turns.push({
    text: plan.finalText,
    usage: { input_tokens: 1500 + 250 * SLOTS.length, output_tokens: 120 },
  });
  return { model: 'anthropic:claude-opus-4-7', turns };
}

/** Writes the scripted file (JSON, which the scripted model reads as well as YAML). */
export function writeTrajectory(file: string, plan: TrajectoryPlan): ScriptedFile {
  const scripted = trajectoryTurns(plan);
  writeFileSync(file, JSON.stringify(scripted, null, 2));
  return scripted;
}

/** The trajectory on the large repository (`realRepository`): its harness, its largest files. */
export function largeRepositoryPlan(
  largeFiles: readonly string[],
  edit: TrajectoryPlan['edit'],
): TrajectoryPlan {
  const [first, second, third, fourth, fifth, sixth] = largeFiles;
  if (!sixth) throw new RangeError('the large repository needs six large files');
  return {
    task: 'countLines counts one line too many for a text that ends with a newline. Fix it and make sure the tests pass.',
    lists: ['.', 'packages/typescript', 'src'],
    searches: [
      { pattern: 'countLines' },
      { pattern: 'export (declare )?(async )?function generateText', path: 'packages/ai' },
      { pattern: 'interface CompilerOptions', path: 'packages/typescript/lib' },
      { pattern: 'TODO|FIXME', path: 'src' },
    ],
    reads: [first!, second!, third!, fourth!, fifth!, sixth],
    edit,
    shell: [
      'git status',
      'git log --oneline -n 10',
      'ls -la',
      'cat package.json',
      'node --test test/packages.test.js',
      'cat src/count-lines.js',
      'wc -l packages/typescript/lib/lib.dom.d.ts packages/typescript/lib/typescript.d.ts',
      'ls packages | head -50',
      'find packages -name package.json | wc -l',
      'node -e "console.log(process.version)"',
      'grep -rn --include=*.d.ts "function createProgram" packages/typescript | head -5',
      'cat packages/typescript/package.json | head -40',
      'grep -rn "countLines" src test',
      'git diff',
      'node --test test/packages.test.js',
      'git status --short',
    ],
    check: 'node --test test/packages.test.js',
    finalText:
      'Fixed countLines in src/count-lines.js: a final newline no longer counts as the start of a new line. The tests pass.',
  };
}

/** The trajectory on the small demo repository (examples/demo/repo): the demo's own fix, in 30 steps. */
export function demoRepositoryPlan(): TrajectoryPlan {
  return {
    task: 'The cart tests fail: totalWithDiscount gives wrong totals. Find the bug, fix it, and make sure all tests pass.',
    lists: ['.', 'src', 'test'],
    searches: [
      { pattern: 'discountPercent', path: 'src' },
      { pattern: 'export function' },
      { pattern: 'totalWithDiscount', path: 'test' },
      { pattern: 'TODO|FIXME' },
    ],
    reads: [
      'README.md',
      'package.json',
      'src/cart.js',
      'src/format.js',
      'test/cart.test.js',
      'test/format.test.js',
    ],
    edit: {
      path: 'src/cart.js',
      old_string: '  return Math.round(gross - discountPercent);',
      new_string: '  return Math.round((gross * (100 - discountPercent)) / 100);',
    },
    shell: [
      'git status',
      'git log --oneline -n 10',
      'ls -la',
      'cat package.json',
      'node --test',
      'cat src/cart.js',
      'wc -l src/*.js test/*.js',
      'ls src test',
      'find . -name "*.js" -not -path "./.git/*" | wc -l',
      'node -e "console.log(process.version)"',
      'grep -rn "Math.round" src',
      'cat test/cart.test.js | head -20',
      'grep -rn "discountPercent" src test',
      'git diff',
      'node --test',
      'git status --short',
    ],
    check: 'node --test',
    finalText:
      'Fixed totalWithDiscount in src/cart.js: it now takes the percentage off the subtotal. All tests pass.',
  };
}
