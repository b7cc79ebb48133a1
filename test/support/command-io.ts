import type { CommandIo } from '../../src/cli/io.ts';

/**
 * Runs a command's function in this process with an io that collects what it prints (not a terminal,
 * no environment), in `cwd`; returns its exit code and output.
 */
export async function runInProcess(
  command: (argv: string[], io: CommandIo) => Promise<number>,
  argv: string[],
  cwd: string,
): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIo = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    interactive: false,
    env: {},
    cwd,
  };
  const code = await command(argv, io);
  return { code, out, err };
}
