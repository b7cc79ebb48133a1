// Builds `dist/`: Warden's command line as one bundle (with a chunk per lazily imported part), which
// starts ~200 ms sooner than loading ~550 modules one by one. `npm install` runs it (the `prepare`
// script); `bin/warden.js` uses it only while every file it was built from is unchanged, and the source
// otherwise, so an edit never runs stale code. See docs/decisions/0009-a-bundle-built-at-install.md.
// Usage: node bin/build-bundle.ts [OUT_DIR]

import { statSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Packages left to load from `node_modules` as they are: each finds files beside its own code (WASM,
 * native or platform-specific modules), or is CommonJS whose named exports a bundled dynamic import
 * would lose (the OpenTelemetry SDK), and every one is imported lazily, where first needed.
 */
const EXTERNAL = [
  '@opentelemetry/resources',
  '@opentelemetry/otlp-transformer',
  '@opentelemetry/sdk-metrics',
  '@cedar-policy/cedar-wasm',
  '@cedar-policy/cedar-wasm/*',
  'web-tree-sitter',
  'tree-sitter-bash',
  'dockerode',
  'e2b',
  '@octokit/*',
];

/** What `bin/warden.js` checks before it runs the bundle: every input file's size and modification time. */
export interface BundleManifest {
  entry: string;
  inputs: Array<{ file: string; size: number; mtimeMs: number }>;
}

export async function buildBundle(outDir: string): Promise<BundleManifest> {
  // Imported here: an install without development dependencies has no bundler, and runs the source.
  const esbuild = await import('esbuild-wasm');
  await rm(outDir, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: { main: 'src/cli/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    outdir: outDir,
    external: EXTERNAL,
    metafile: true,
    logLevel: 'warning',
    // CommonJS packages in an ES module bundle still call `require` for Node's own modules.
    banner: {
      js: "import { createRequire as __wardenCreateRequire } from 'node:module'; const require = __wardenCreateRequire(import.meta.url);",
    },
    plugins: [
      {
        // A module that finds files beside itself (`new URL('./x', import.meta.url)`) keeps its own
        // location in the bundle.
        name: 'own-import-meta-url',
        setup(build) {
          build.onLoad({ filter: /[\\/]src[\\/].*\.(ts|mjs)$/ }, async (args) => {
            const text = await readFile(args.path, 'utf8');
            return {
              contents: text.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
              loader: args.path.endsWith('.ts') ? 'ts' : 'js',
            };
          });
        },
      },
    ],
  });
  const inputs = Object.keys(result.metafile.inputs)
    .filter((name) => !name.includes(':'))
    .map((name) => {
      const file = path.resolve(ROOT, name);
      const info = statSync(file);
      return { file: path.relative(outDir, file), size: info.size, mtimeMs: info.mtimeMs };
    });
  const manifest: BundleManifest = { entry: 'main.js', inputs };
  await writeFile(path.join(outDir, 'manifest.json'), JSON.stringify(manifest));
  return manifest;
}

if (import.meta.main) {
  const outDir = path.resolve(process.argv[2] ?? path.join(ROOT, 'dist'));
  try {
    const manifest = await buildBundle(outDir);
    process.stdout.write(
      `warden: bundled ${manifest.inputs.length} files into ${path.relative(process.cwd(), outDir) || '.'}\n`,
    );
  } catch (error) {
    // The command line still runs from the source without a bundle: a failed build only costs speed.
    await rm(outDir, { recursive: true, force: true });
    process.stderr.write(
      `warden: no bundle built (${error instanceof Error ? error.message : String(error)}); the command line runs from the source\n`,
    );
  }
}
