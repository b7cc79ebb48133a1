import { posix } from 'node:path';
import type { ShellWord } from './word-value.ts';

/** What a wrapper runs: another command line's words, a script string, or something unseen. */
export type Unwrapped =
  | {
      kind: 'argv';
      wrapper: string;
      argv: ShellWord[];
      appendedArguments?: boolean;
      placeholderPaths?: ShellWord[];
      riskyEnvironment?: boolean;
    }
  | { kind: 'script'; wrapper: string; script: ShellWord }
  | { kind: 'opaque'; wrapper: string; reason: string };

/** Variables that change which program runs or what it loads. */
export const RISKY_VARIABLES = new Set([
  'PATH',
  'LD_PRELOAD',
  'LD_LIBRARY_PATH',
  'LD_AUDIT',
  'BASH_ENV',
  'ENV',
  'PROMPT_COMMAND',
  'IFS',
  'SHELLOPTS',
  'BASHOPTS',
  'NODE_OPTIONS',
  'NODE_PATH',
  'PYTHONPATH',
  'PYTHONSTARTUP',
  'PERL5OPT',
  'PERL5LIB',
  'RUBYOPT',
  'GIT_SSH',
  'GIT_SSH_COMMAND',
  'GIT_EXEC_PATH',
  'GIT_CONFIG_GLOBAL',
  'GIT_CONFIG_SYSTEM',
  'GIT_CONFIG_PARAMETERS',
  'GIT_DIR',
  'GIT_WORK_TREE',
  'EDITOR',
  'VISUAL',
  'PAGER',
  'GIT_PAGER',
  'npm_config_script_shell',
]);

/** Shells whose `-c STRING` or standard input is itself a command line. */
export const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh', 'ash', 'mksh', 'yash', 'posh']);

/** The program's name: the basename of the command word. */
export function programName(word: string): string {
  return posix.basename(word);
}

const words = (...names: string[]) => new Set(names);

/**
 * Peels one layer off a wrapper command (`sudo`, `timeout`, `env`, `xargs`, `npx`, `find -exec`,
 * `bash -c`, `eval`...). Returns an empty list for a command that wraps nothing.
 */
export function unwrapCommand(argv: readonly ShellWord[]): Unwrapped[] {
  const head = argv[0];
  if (head === undefined || !head.literal) return [];
  const program = programName(head.value);
  const args = argv.slice(1);
  switch (program) {
    case 'sudo':
      return inner(
        program,
        args,
        words(
          '-u',
          '-g',
          '-h',
          '-p',
          '-C',
          '-D',
          '-r',
          '-t',
          '-U',
          '-T',
          '--user',
          '--group',
          '--host',
          '--prompt',
          '--chdir',
        ),
        '-s',
        '-i',
      );
    case 'doas':
      return inner(program, args, words('-u', '-C'), '-s');
    case 'timeout': {
      const start = skipOptions(args, words('-s', '-k', '--signal', '--kill-after'));
      return argvAfter(program, args.slice(start + 1));
    }
    case 'nice':
      return inner(program, args, words('-n', '--adjustment'));
    case 'ionice':
      return inner(program, args, words('-c', '-n', '-p', '--class', '--classdata', '--pid'));
    case 'nohup':
    case 'corepack':
    case 'builtin':
    case 'setsid':
    case 'unbuffer':
    case 'chronic':
      return inner(program, args, words());
    case 'time':
      return inner(program, args, words('-f', '-o', '--format', '--output'));
    case 'stdbuf':
      return inner(program, args, words('-i', '-o', '-e', '--input', '--output', '--error'));
    case 'exec':
      return inner(program, args, words('-a'));
    case 'command':
      if (args.some((word) => ['-v', '-V'].includes(word.value))) return [];
      return inner(program, args, words());
    case 'env':
      return unwrapEnv(args);
    case 'xargs': {
      const start = skipOptions(
        args,
        words(
          '-I',
          '-L',
          '-n',
          '-P',
          '-s',
          '-d',
          '-E',
          '-a',
          '--max-args',
          '--max-procs',
          '--delimiter',
          '--arg-file',
          '--max-lines',
          '--max-chars',
          '--eof',
        ),
      );
      const rest = args.slice(start);
      if (rest.length === 0) return [];
      return [{ kind: 'argv', wrapper: program, argv: rest, appendedArguments: true }];
    }
    case 'npx':
    case 'bunx':
    case 'pnpx':
      return unwrapNpx(program, args);
    case 'npm':
    case 'pnpm':
    case 'yarn':
    case 'bun':
      if (['exec', 'x', 'dlx'].includes(args[0]?.value ?? ''))
        return unwrapNpx(`${program} ${args[0]?.value}`, args.slice(1));
      return [];
    case 'find':
      return unwrapFind(args);
    case 'eval': {
      if (args.length === 0) return [];
      if (args.some((word) => !word.literal))
        return [{ kind: 'opaque', wrapper: program, reason: 'eval of an expansion' }];
      const joined = args.map((word) => word.value).join(' ');
      return [{ kind: 'script', wrapper: program, script: { value: joined, literal: true, text: joined } }];
    }
    case 'source':
    case '.':
      return [{ kind: 'opaque', wrapper: program, reason: `${program} runs the commands of a file` }];
    case 'alias':
      return args.flatMap((word): Unwrapped[] => {
        const equals = word.value.indexOf('=');
        if (equals < 0) return [];
        if (!word.literal)
          return [{ kind: 'opaque', wrapper: program, reason: 'an alias built from an expansion' }];
        const value = word.value.slice(equals + 1);
        return [{ kind: 'script', wrapper: program, script: { value, literal: true, text: value } }];
      });
    case 'trap':
      return args[0] === undefined || args[0].value.startsWith('-')
        ? []
        : [{ kind: 'script', wrapper: program, script: args[0] }];
    case 'watch': {
      const start = skipOptions(args, words('-n', '--interval', '-d', '--differences'));
      const rest = args.slice(start);
      if (rest.length === 0) return [];
      if (rest.some((word) => !word.literal))
        return [{ kind: 'opaque', wrapper: program, reason: 'watch of an expansion' }];
      const joined = rest.map((word) => word.value).join(' ');
      return [{ kind: 'script', wrapper: program, script: { value: joined, literal: true, text: joined } }];
    }
    case 'su': {
      const index = args.findIndex((word) => word.value === '-c' || word.value === '--command');
      const script = index >= 0 ? args[index + 1] : undefined;
      return script === undefined ? [] : [{ kind: 'script', wrapper: program, script }];
    }
    default:
      if (SHELLS.has(program)) return unwrapShell(program, args);
      return [];
  }
}

function inner(
  wrapper: string,
  args: ShellWord[],
  withValue: Set<string>,
  ...interactive: string[]
): Unwrapped[] {
  const start = skipOptions(args, withValue);
  if (args.slice(0, start).some((word) => interactive.includes(word.value))) {
    return [{ kind: 'opaque', wrapper, reason: `${wrapper} opens an interactive shell` }];
  }
  return argvAfter(wrapper, args.slice(start));
}

function argvAfter(wrapper: string, rest: ShellWord[]): Unwrapped[] {
  return rest.length === 0 ? [] : [{ kind: 'argv', wrapper, argv: rest }];
}

/** Index of the first argument that is not an option (or of the one after `--`). */
export function skipOptions(args: readonly ShellWord[], withValue: ReadonlySet<string>): number {
  let index = 0;
  while (index < args.length) {
    const value = (args[index] as ShellWord).value;
    if (value === '--') return index + 1;
    if (!value.startsWith('-') || value === '-') return index;
    const name = value.includes('=') ? value.slice(0, value.indexOf('=')) : value;
    index +=
      withValue.has(name) && !value.includes('=') && (value.startsWith('--') || value.length === 2) ? 2 : 1;
  }
  return index;
}

function unwrapEnv(args: ShellWord[]): Unwrapped[] {
  let index = 0;
  let risky = false;
  while (index < args.length) {
    const word = args[index] as ShellWord;
    if (word.value === '-S' || word.value === '--split-string') {
      const script = args[index + 1];
      return script === undefined ? [] : [{ kind: 'script', wrapper: 'env', script }];
    }
    if (['-u', '--unset', '-C', '--chdir'].includes(word.value)) {
      index += 2;
      continue;
    }
    if (word.value.startsWith('-')) {
      index += 1;
      continue;
    }
    const assignment = /^([A-Za-z_][A-Za-z0-9_]*)=/.exec(word.value);
    if (assignment) {
      risky ||= RISKY_VARIABLES.has(assignment[1] as string);
      index += 1;
      continue;
    }
    break;
  }
  const rest = args.slice(index);
  return rest.length === 0 ? [] : [{ kind: 'argv', wrapper: 'env', argv: rest, riskyEnvironment: risky }];
}

function unwrapNpx(wrapper: string, args: ShellWord[]): Unwrapped[] {
  const callIndex = args.findIndex((word) => word.value === '-c' || word.value === '--call');
  if (callIndex >= 0) {
    const script = args[callIndex + 1];
    return script === undefined ? [] : [{ kind: 'script', wrapper, script }];
  }
  const start = skipOptions(args, words('-p', '--package'));
  const [spec, ...rest] = args.slice(start);
  if (spec === undefined) return [];
  // `prettier@3`, `@biomejs/biome@2.0.0`: the program is the package's name without its version.
  const at = spec.value.indexOf('@', 1);
  const name = at > 0 ? spec.value.slice(0, at) : spec.value;
  return [{ kind: 'argv', wrapper, argv: [{ ...spec, value: name }, ...rest] }];
}

const FIND_EXEC = new Set(['-exec', '-execdir', '-ok', '-okdir']);

function unwrapFind(args: ShellWord[]): Unwrapped[] {
  const firstExpression = args.findIndex((word) => /^[-(!]/.test(word.value));
  const starts = args.slice(0, firstExpression < 0 ? args.length : firstExpression);
  const placeholderPaths = starts.length > 0 ? starts : [{ value: '.', literal: true, text: '.' }];
  const found: Unwrapped[] = [];
  for (let index = 0; index < args.length; index++) {
    if (!FIND_EXEC.has((args[index] as ShellWord).value)) continue;
    const end = args.findIndex((word, at) => at > index && (word.value === ';' || word.value === '+'));
    const command = args.slice(index + 1, end < 0 ? args.length : end);
    if (command.length > 0) found.push({ kind: 'argv', wrapper: 'find', argv: command, placeholderPaths });
    index = end < 0 ? args.length : end;
  }
  return found;
}

function unwrapShell(program: string, args: ShellWord[]): Unwrapped[] {
  let index = 0;
  let command = false;
  while (index < args.length) {
    const value = (args[index] as ShellWord).value;
    if (value === '--') {
      index += 1;
      break;
    }
    if (!/^[-+]/.test(value) || value === '-') break;
    if (['-o', '+o', '--rcfile', '--init-file', '-O', '+O'].includes(value)) {
      index += 2;
      continue;
    }
    if (!value.startsWith('--') && value.slice(1).includes('c')) command = true;
    index += 1;
  }
  if (!command) return [];
  const script = args[index];
  if (script === undefined) return [];
  return [{ kind: 'script', wrapper: `${program} -c`, script }];
}
