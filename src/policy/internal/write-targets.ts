import type { ShellWord } from './word-value.ts';

/**
 * The arguments a program writes to (creates, changes, moves or deletes), for the programs that do
 * that to their arguments. Everything else a command touches through its arguments counts as a read.
 */
export function writeTargets(program: string, args: readonly ShellWord[]): ShellWord[] {
  const operands = (withValue: string[] = []) => {
    const found: ShellWord[] = [];
    let afterDoubleDash = false;
    for (let index = 0; index < args.length; index++) {
      const word = args[index] as ShellWord;
      if (!afterDoubleDash && word.value === '--') afterDoubleDash = true;
      else if (!afterDoubleDash && withValue.includes(word.value)) index += 1;
      else if (afterDoubleDash || !word.value.startsWith('-') || word.value === '-') found.push(word);
    }
    return found;
  };
  switch (program) {
    case 'rm':
    case 'rmdir':
    case 'unlink':
    case 'shred':
    case 'touch':
    case 'mkdir':
    case 'mkfifo':
    case 'mknod':
    case 'tee':
    case 'mv':
      return operands(['-t', '--target-directory', '-m', '--mode', '-S', '--suffix']);
    case 'cp':
    case 'ln':
    case 'install':
    case 'rsync': {
      const target = args.findIndex((word) => word.value === '-t' || word.value === '--target-directory');
      if (target >= 0 && args[target + 1]) return [args[target + 1] as ShellWord];
      const found = operands(['-m', '--mode', '-o', '--owner', '-g', '--group', '-S', '--suffix', '-e']);
      return found.length > 1 ? [found.at(-1) as ShellWord] : [];
    }
    case 'chmod':
    case 'chown':
    case 'chgrp':
      return operands(['--reference']).slice(1);
    case 'truncate':
      return operands(['-s', '--size', '-r', '--reference']);
    case 'dd':
      return args
        .filter((word) => word.value.startsWith('of='))
        .map((word) => ({ ...word, value: word.value.slice(3) }));
    case 'sed':
    case 'perl':
      if (!args.some((word) => /^-[a-zA-Z]*i/.test(word.value) || word.value.startsWith('--in-place')))
        return [];
      return args.some((word) => word.value === '-e' || word.value === '-f')
        ? operands(['-e', '-f'])
        : operands(['-e', '-f']).slice(1);
    case 'find': {
      const actions = args.some((word) => word.value === '-delete');
      const start = args.findIndex((word) => /^[-(!]/.test(word.value));
      const writes = args.flatMap((word, index) =>
        ['-fprint', '-fprint0', '-fls', '-fprintf'].includes(word.value) && args[index + 1]
          ? [args[index + 1] as ShellWord]
          : [],
      );
      if (!actions) return writes;
      const starts = args.slice(0, start < 0 ? args.length : start);
      return [...(starts.length > 0 ? starts : [{ value: '.', literal: true, text: '.' }]), ...writes];
    }
    default:
      if (program.startsWith('mkfs')) return operands();
      return [];
  }
}

/** Arguments that look like paths: absolute, home-relative, dot-relative or containing a slash (not URLs). */
export function pathLikeArguments(args: readonly ShellWord[]): ShellWord[] {
  const found: ShellWord[] = [];
  for (const word of args) {
    const value =
      word.value.startsWith('-') && word.value.includes('=')
        ? word.value.slice(word.value.indexOf('=') + 1)
        : word.value;
    if (value.startsWith('-') || value.includes('://') || !word.literal) continue;
    if (/^(\/|~|\.\.?(\/|$))/.test(value) || (value.includes('/') && !/\s/.test(value)))
      found.push({ ...word, value });
  }
  return found;
}
