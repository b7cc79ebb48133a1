/** Where a command writes: data to `out`, logs and progress to `err`. */
export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** Whether `err` is a terminal, so live progress is wanted. */
  interactive: boolean;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * The process's own streams. A reader that goes away (`warden cost | head -1`) is not an error: from
 * the first `EPIPE` on, that stream's writes are dropped and the command finishes as it would have, so
 * its exit code still tells how the work went. Node ignores SIGPIPE, so a closed pipe shows up only as
 * this `EPIPE`.
 */
export function processIo(): CommandIo {
  return {
    out: quietWhenClosed(process.stdout),
    err: quietWhenClosed(process.stderr),
    interactive: Boolean(process.stderr.isTTY),
    env: process.env,
    cwd: process.cwd(),
  };
}

function quietWhenClosed(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed && !stream.destroyed) stream.write(text);
  };
}
