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
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
