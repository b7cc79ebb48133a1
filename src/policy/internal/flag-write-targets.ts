import { GIT_OPTIONS_WITH_VALUE } from './git-global-options.ts';
import { skipOptions } from './unwrap-command.ts';
import type { ShellWord } from './word-value.ts';

/** What a command writes through its options: files it creates, and directories it writes into. */
export interface FlagWriteTargets {
  files: ShellWord[];
  directories: ShellWord[];
}

/**
 * Options that name a file the program writes, per program: `-d` or `-o` mean different things to
 * different tools, so only the tools listed here are read this way.
 */
const FILE_OPTIONS: Record<string, readonly string[]> = {
  curl: [
    '-o',
    '--output',
    '-D',
    '--dump-header',
    '-c',
    '--cookie-jar',
    '--trace',
    '--trace-ascii',
    '--stderr',
    '--etag-save',
    '--hsts',
    '--alt-svc',
    '--libcurl',
  ],
  wget: ['-O', '--output-document', '-o', '--output-file', '-a', '--append-output', '--save-cookies'],
  sort: ['-o', '--output'],
  gcc: ['-o'],
  cc: ['-o'],
  'g++': ['-o'],
  clang: ['-o'],
  'clang++': ['-o'],
  rustc: ['-o'],
  go: ['-o'],
  tsc: ['--outFile', '--tsBuildInfoFile'],
  patch: ['-o', '--output'],
  pip: ['--log'],
  pip3: ['--log'],
};

/** Options that name a directory the program writes into (or runs in, and may write there). */
const DIRECTORY_OPTIONS: Record<string, readonly string[]> = {
  curl: ['--output-dir'],
  wget: ['-P', '--directory-prefix'],
  git: ['-C', '--git-dir', '--work-tree'],
  unzip: ['-d'],
  cp: ['-t', '--target-directory'],
  mv: ['-t', '--target-directory'],
  ln: ['-t', '--target-directory'],
  install: ['-t', '--target-directory'],
  npm: ['--prefix', '-C', '--pack-destination'],
  pnpm: ['-C', '--dir', '--modules-dir', '--virtual-store-dir', '--store-dir'],
  yarn: ['--cwd', '--modules-folder', '--cache-folder'],
  pip: ['-t', '--target', '--prefix', '--root', '-d', '--dest', '-w', '--wheel-dir', '--src'],
  pip3: ['-t', '--target', '--prefix', '--root', '-d', '--dest', '-w', '--wheel-dir', '--src'],
  make: ['-C', '--directory'],
  gmake: ['-C', '--directory'],
  cargo: ['--target-dir', '-C'],
  go: ['-C'],
  tsc: ['--outDir', '--declarationDir'],
  patch: ['-d', '--directory'],
  mktemp: ['-p', '--tmpdir'],
  cmake: ['-B'],
};

/**
 * The write targets a command names through its options (`curl -o FILE`, `tar -x -C DIR`,
 * `git -C DIR`, `pip install -t DIR`, `git worktree add DIR`...). Reads `--name=value`, `--name value`,
 * `-n value`, `-nvalue` and a short cluster ending in the option (`-sSLo FILE`, `-xzf x.tar`).
 */
export function flagWriteTargets(program: string, args: readonly ShellWord[]): FlagWriteTargets {
  const files = optionValues(args, FILE_OPTIONS[program] ?? []);
  const directories = optionValues(args, DIRECTORY_OPTIONS[program] ?? []);
  if (program === 'tar' || program === 'bsdtar') {
    const words = oldStyleTar(args);
    const mode = tarMode(words);
    if (mode === 'extract') directories.push(...optionValues(words, ['-C', '--directory']));
    if (mode === 'create') files.push(...optionValues(words, ['-f', '--file']));
  }
  if (program === 'git') {
    const found = gitSubcommandTargets(args);
    files.push(...found.files);
    directories.push(...found.directories);
  }
  return { files, directories };
}

/** `tar xzf a.tgz` is `tar -xzf a.tgz`. */
function oldStyleTar(args: readonly ShellWord[]): readonly ShellWord[] {
  const first = args[0];
  if (first === undefined || !first.literal || !/^[A-Za-z]+$/.test(first.value)) return args;
  return [{ ...first, value: `-${first.value}` }, ...args.slice(1)];
}

function tarMode(args: readonly ShellWord[]): 'extract' | 'create' | 'other' {
  for (const word of args) {
    if (['--extract', '--get'].includes(word.value)) return 'extract';
    if (['--create', '--append', '--update', '--concatenate', '--catenate'].includes(word.value))
      return 'create';
    if (/^-[A-Za-z]+$/.test(word.value)) {
      if (word.value.includes('x')) return 'extract';
      if (/[cruA]/.test(word.value)) return 'create';
    }
  }
  return 'other';
}

/** Paths that git subcommands create: `worktree add DIR`, `clone URL DIR`, `init DIR`, `archive -o FILE`... */
function gitSubcommandTargets(args: readonly ShellWord[]): FlagWriteTargets {
  const start = skipOptions(args, GIT_OPTIONS_WITH_VALUE);
  const subcommand = args[start]?.value;
  const rest = args.slice(start + 1);
  const positionals = (withValue: string[]) => {
    const found: ShellWord[] = [];
    for (let index = 0; index < rest.length; index++) {
      const word = rest[index] as ShellWord;
      if (word.value === '--') {
        found.push(...rest.slice(index + 1));
        break;
      }
      if (word.value.startsWith('-')) {
        if (withValue.includes(word.value)) index += 1;
        continue;
      }
      found.push(word);
    }
    return found;
  };
  switch (subcommand) {
    case 'worktree': {
      const [action, path] = positionals(['-b', '-B', '--reason']);
      return { files: [], directories: action?.value === 'add' && path ? [path] : [] };
    }
    case 'clone': {
      const values = [
        '-o',
        '--origin',
        '-b',
        '--branch',
        '-u',
        '--upload-pack',
        '--reference',
        '--depth',
        '-c',
        '--config',
        '--template',
        '--filter',
        '-j',
        '--jobs',
        '--shallow-since',
        '--shallow-exclude',
      ];
      const [, directory] = positionals(values);
      return {
        files: [],
        directories: [
          ...(directory ? [directory] : []),
          ...optionValues(rest, ['--separate-git-dir', '--template']),
        ],
      };
    }
    case 'init': {
      const [directory] = positionals([
        '--template',
        '--separate-git-dir',
        '-b',
        '--initial-branch',
        '--object-format',
      ]);
      return {
        files: [],
        directories: [
          ...(directory ? [directory] : []),
          ...optionValues(rest, ['--separate-git-dir', '--template']),
        ],
      };
    }
    case 'archive':
      return { files: optionValues(rest, ['-o', '--output']), directories: [] };
    case 'format-patch':
      return { files: [], directories: optionValues(rest, ['-o', '--output-directory']) };
    case 'bundle': {
      const [action, file] = positionals([]);
      return { files: action?.value === 'create' && file ? [file] : [], directories: [] };
    }
    case 'diff':
    case 'log':
    case 'show':
      return { files: optionValues(rest, ['--output']), directories: [] };
    default:
      return { files: [], directories: [] };
  }
}

/** The values of the named options, in every spelling the usual option parsers accept. */
function optionValues(args: readonly ShellWord[], names: readonly string[]): ShellWord[] {
  if (names.length === 0) return [];
  const found: ShellWord[] = [];
  const short = names.filter((name) => /^-[A-Za-z0-9]$/.test(name)).map((name) => name[1] as string);
  const take = (word: ShellWord, value: string) => found.push({ ...word, value });
  for (let index = 0; index < args.length; index++) {
    const word = args[index] as ShellWord;
    const next = args[index + 1];
    if (word.value === '--') break;
    if (word.value.startsWith('--')) {
      const equals = word.value.indexOf('=');
      const name = equals < 0 ? word.value : word.value.slice(0, equals);
      if (!names.includes(name)) continue;
      if (equals >= 0) take(word, word.value.slice(equals + 1));
      else if (next !== undefined) {
        found.push(next);
        index += 1;
      }
      continue;
    }
    if (!/^-[A-Za-z0-9]/.test(word.value)) continue;
    // A short cluster: the first listed letter takes the rest of the word, or the next word.
    const letters = word.value.slice(1);
    for (let at = 0; at < letters.length; at++) {
      if (!short.includes(letters[at] as string)) {
        if (!/[A-Za-z0-9]/.test(letters[at] as string)) break;
        continue;
      }
      const attached = letters.slice(at + 1);
      if (attached !== '') take(word, attached);
      else if (next !== undefined) {
        found.push(next);
        index += 1;
      }
      break;
    }
  }
  return found.filter((target) => target.value !== '-');
}
