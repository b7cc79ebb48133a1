#!/usr/bin/env node
// Warden's command line. The project runs its TypeScript directly on Node 24 (type stripping); the
// `node@24` dev dependency provides that Node to `npm start`, `npm test` and `npx warden`.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(
    `warden: Node ${process.versions.node} is too old; Warden needs Node 22.18 or newer (24 recommended).\n` +
      '  hint: run it through npm (`npm start`, `npx warden`), which uses the Node 24 installed with the project.\n',
  );
  process.exit(2);
}
// Node strips the types of every .ts file on each start, which costs more than the rest of `warden --help`;
// its compile cache keeps the stripped and compiled code between runs. It lives in the user's own cache
// directory (never a shared temporary one, where another user could plant code), and a cache that cannot
// be written only makes the start slower. NODE_COMPILE_CACHE, when set, has already chosen one.
if (!process.env.NODE_COMPILE_CACHE) {
  const { enableCompileCache } = await import('node:module');
  const { homedir } = await import('node:os');
  enableCompileCache?.(`${homedir()}/.cache/warden/node-compile-cache`);
}
// WASM stays on V8's baseline compiler (Liftoff). Its optimising tier, compiling Cedar's hot functions in
// the background, took peak memory from ~150 MB to ~650 MB for decisions ~1.6x faster; the policy engine
// remembers its answers instead (see docs/architecture/startup.md). Set before any WASM is compiled: a
// module keeps the tiering it was compiled with.
const { setFlagsFromString } = await import('node:v8');
setFlagsFromString('--no-wasm-dynamic-tiering');
setFlagsFromString('--no-wasm-tier-up');
// The bundle `npm install` built, while it matches the source; the source itself otherwise.
const { chooseEntry } = await import('./choose-entry.ts');
const { main } = await import(chooseEntry(new URL('..', import.meta.url)));
process.exitCode = await main(process.argv.slice(2));
