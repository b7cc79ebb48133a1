// `npm run bench`: every benchmark figure Warden claims, each measured in this run against its baseline.
import { benchDemoWallTime } from './demo-wall-time.ts';
import { benchSandboxStartup } from './sandbox-startup.ts';
import { benchToolCallOverhead } from './tool-call-overhead.ts';

const format = (value: number, digits = 1) => value.toFixed(digits);

const overhead = await benchToolCallOverhead();
console.log(
  `(a) harness overhead per tool call (validate, decide, 3 journal events, dispatch): median ${format(overhead.median)} µs, p99 ${format(overhead.p99)} µs`,
);

const sandbox = await benchSandboxStartup();
console.log(
  `(b) sandboxed \`true\` ${format(sandbox.sandboxedMs, 2)} ms vs bare bwrap ${format(sandbox.bareMs, 2)} ms: ratio ${format(sandbox.vsBare, 2)}; vs plain spawn ${format(sandbox.plainMs, 2)} ms: ratio ${format(sandbox.vsPlain, 2)}`,
);

const demo = await benchDemoWallTime();
console.log(
  `(c) demo wall time ${format(demo.wallMs, 0)} ms vs its commands' time ${format(demo.commandMs, 0)} ms: ratio ${format(demo.ratio, 2)}`,
);
