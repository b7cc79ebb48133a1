/** Where a command writes: data to `out`, logs and progress to `err`. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether `err` is a terminal, so live progress is wanted. */
  interactive: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

export function processIo(): CommandIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    interactive: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}
