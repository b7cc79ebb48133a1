// Warden's command server: runs inside a task's bubblewrap sandbox (on Warden's own node, mounted
// read-only) so that each command costs a fork rather than a new sandbox. It is a program of its own,
// in plain JavaScript (Node starts it without loading its TypeScript stripper: ~0.1 s less), with no
// imports beyond Node's: it reads one request per line on stdin, runs it, and writes what
// happened as lines on stdout. After each command it kills every other process in the sandbox, as the
// end of a per-command sandbox would. It is not trusted: whatever it says is about commands that ran
// in the sandbox it shares with them, and Warden's limits (wall time, disk, processes, memory) are
// enforced from outside by killing the whole sandbox. See `command-session.ts`.
//
// Request:  {"id":N,"argv":[program, ...args],"env":{...},"maxOutputBytes":N}
// Messages: {"ready":true} once; {"id":N,"stream":1|2,"data":BASE64};
//           {"id":N,"exit":CODE|null,"signal":NAME|null,"dropped":[STDOUT,STDERR]};
//           {"id":N,"error":TEXT} when the program could not be started.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** @param {object} message */
const send = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

/** Pids of the sandbox's live processes other than its init (1) and this server. */
function others() {
  const pids = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid === 1 || pid === process.pid) continue;
    let stat = '';
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    // The state follows the command name in parentheses; a zombie is already dead.
    if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
    pids.push(pid);
  }
  return pids;
}

/** Kills everything a command left running, again until nothing is left (a forking process races). */
async function killOthers() {
  for (let round = 0; round < 200; round++) {
    const pids = others();
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, round < 10 ? 1 : 10));
  }
}

/** @param {{ id: number, argv: string[], env: Record<string, string>, maxOutputBytes: number }} request */
async function run(request) {
  const { id, argv, env, maxOutputBytes } = request;
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const dropped = [0, 0];
  const kept = [0, 0];
  const pipes = [child.stdout, child.stderr];
  const closed = pipes.map(
    (pipe, index) =>
      new Promise((resolve) => {
        pipe.on('data', (chunk) => {
          const room = Math.max(0, maxOutputBytes - kept[index]);
          const piece = chunk.length <= room ? chunk : chunk.subarray(0, room);
          kept[index] += piece.length;
          dropped[index] += chunk.length - piece.length;
          if (piece.length > 0) send({ id, stream: index + 1, data: piece.toString('base64') });
        });
        pipe.on('close', () => resolve());
        pipe.on('error', () => resolve());
      }),
  );
  const ended = await new Promise((resolve) => {
    child.once('error', (error) => resolve(error));
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  await killOthers();
  // With everything dead the pipes close at once; stop waiting after a grace period rather than hang.
  const grace = setTimeout(() => {
    for (const pipe of pipes) pipe.destroy();
  }, 250);
  await Promise.all(closed);
  clearTimeout(grace);
  if (ended instanceof Error) send({ id, error: ended.message });
  else send({ id, exit: ended.code, signal: ended.signal, dropped });
}

let queue = Promise.resolve();
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  let request;
  try {
    request = JSON.parse(line);
  } catch {
    return;
  }
  queue = queue.then(() => run(request));
});
// The host closed its end: nothing more to run.
lines.on('close', () => {
  queue.then(() => process.exit(0));
});
send({ ready: true });
