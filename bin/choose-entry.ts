// Which module `bin/warden.js` runs: the bundle in `dist/` (built by `npm install`, see
// bin/build-bundle.ts) while every file it was built from is exactly as it was then, the source
// otherwise. Loaded before anything else, with Node's own modules only.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/**
 * The URL of the module to import for `main`: `<root>/dist/<entry>` when `dist/manifest.json` names
 * inputs that all still have their recorded size and modification time, `<root>/src/cli/main.ts`
 * when any differs or is gone, when there is no readable manifest, or when `WARDEN_FROM_SOURCE=1`.
 */
export function chooseEntry(rootUrl: URL, env: NodeJS.ProcessEnv = process.env): string {
  const root = fileURLToPath(rootUrl);
  const source = pathToFileURL(path.join(root, 'src', 'cli', 'main.ts')).href;
  if (env.WARDEN_FROM_SOURCE === '1') return source;
  const dist = path.join(root, 'dist');
  let manifest: { entry?: unknown; inputs?: Array<{ file?: unknown; size?: unknown; mtimeMs?: unknown }> };
  try {
    manifest = JSON.parse(readFileSync(path.join(dist, 'manifest.json'), 'utf8'));
  } catch {
    return source;
  }
  const { entry, inputs } = manifest ?? {};
  if (typeof entry !== 'string' || !Array.isArray(inputs) || inputs.length === 0) return source;
  for (const input of inputs) {
    const info = statSync(path.resolve(dist, String(input?.file)), { throwIfNoEntry: false });
    if (!info || info.size !== input.size || info.mtimeMs !== input.mtimeMs) return source;
  }
  return pathToFileURL(path.join(dist, entry)).href;
}
