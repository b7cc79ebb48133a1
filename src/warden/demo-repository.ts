import { cpSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '../sandbox/index.ts';

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/demo/', import.meta.url));

/** The task `warden demo` gives the agent. */
export const DEMO_TASK =
  'The cart tests fail: totalWithDiscount gives wrong totals. Find the bug, fix it, and make sure all tests pass.';

/**
 * A fresh copy of the demo repository (a small TypeScript cart with a discount bug and a failing test),
 * committed under `<home>/demo/`, and the scripted model that fixes it.
 */
export async function createDemoRepository(home: string): Promise<{ repo: string; model: string }> {
  const stamp = new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15);
  const repo = path.join(home, 'demo', `shop-cart-${stamp}`);
  mkdirSync(path.dirname(repo), { recursive: true });
  cpSync(path.join(EXAMPLE_DIR, 'repo'), repo, { recursive: true });
  await runGit(['init', '--quiet', '--initial-branch=main'], { cwd: repo });
  await runGit(['add', '-A'], { cwd: repo });
  await runGit(['commit', '--quiet', '-m', 'shop-cart: a cart with a discount bug'], {
    cwd: repo,
    identity: { name: 'Demo Developer', email: 'dev@example.com' },
  });
  return { repo, model: `scripted:${path.join(EXAMPLE_DIR, 'fix-discount.scripted.yaml')}` };
}
