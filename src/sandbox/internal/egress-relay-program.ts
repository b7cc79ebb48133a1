// The in-sandbox relay: a program, not a module. Run inside the sandbox as
//   node relay.mjs <port> <socket-path> 3>ready-pipe
// it listens on 127.0.0.1:<port> (the sandbox's own loopback) and copies each connection to the Unix
// socket of Warden's egress proxy, bind-mounted at <socket-path>. Once it listens it writes one byte to
// file descriptor 3 and closes it, so the command that follows can wait for it without sleeping. It
// imports nothing from Warden: only this file is mounted into the sandbox. Keep it free of type syntax:
// it is mounted as relay.mjs and runs as plain JavaScript, which starts twice as fast as stripping types.
import { closeSync, writeSync } from 'node:fs';
import { connect, createServer } from 'node:net';

const [portText, socketPath] = process.argv.slice(2);
const port = Number(portText);
if (!Number.isInteger(port) || port < 1 || port > 65_535 || !socketPath) {
  process.stderr.write('usage: egress-relay <port> <socket-path>\n');
  process.exit(2);
}

const server = createServer({ noDelay: true }, (client) => {
  const proxy = connect(socketPath);
  client.on('error', () => proxy.destroy());
  proxy.on('error', () => client.destroy());
  client.pipe(proxy);
  proxy.pipe(client);
});
server.on('error', (error) => {
  process.stderr.write(`egress relay: ${error.message}\n`);
  process.exit(1);
});
server.listen({ host: '127.0.0.1', port }, () => {
  try {
    writeSync(3, 'R');
    closeSync(3);
  } catch {
    // Started without a ready pipe (by hand): nothing to tell.
  }
});
