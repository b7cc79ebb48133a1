// Loaded with `--import` into a `warden` child process: records every module the process loads (ESM and
// CommonJS alike) and prints their URLs to stderr at exit, one per line after a marker, for tests that
// check what a command does not load. Never import it into a test process: it hooks whatever loads it.
import { writeSync } from 'node:fs';
import { registerHooks } from 'node:module';

const loaded = [];
registerHooks({
  load(url, context, nextLoad) {
    loaded.push(url);
    return nextLoad(url, context);
  },
});
process.on('exit', () => {
  writeSync(2, `\n--- modules loaded ---\n${loaded.join('\n')}\n`);
});
