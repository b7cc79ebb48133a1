import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { ENV, type Environment } from '../spec/env.ts';

/** Where Warden keeps its data: `--data-dir`, else `WARDEN_HOME`, else `~/.warden`. */
export function resolveHome(dataDir: string | undefined, env: Environment): string {
  return path.resolve(dataDir ?? env[ENV.home] ?? path.join(homedir(), '.warden'));
}

/** The config file in force: `--config`, else `<home>/config.yaml` when it exists. */
export function resolveConfigPath(flag: string | undefined, home: string): string | undefined {
  if (flag !== undefined) return path.resolve(flag);
  const candidate = path.join(home, 'config.yaml');
  return existsSync(candidate) ? candidate : undefined;
}
