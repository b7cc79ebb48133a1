import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { reapInterruptedTasks } from '../agent/index.ts';
import { type Config, loadConfig } from '../config/index.ts';
import { Checkpoints, Journal, loadCheckpointKey } from '../journal/index.ts';
import { ENV, type Environment } from '../spec/env.ts';
import { openSqliteStore, SqliteSpendStore, type SqliteStore } from '../store/index.ts';

/** Everything a command needs, built once at the edge and passed down. */
export interface WardenContext {
  home: string;
  config: Config;
  /** The config file that was read, `undefined` when the defaults are in use. */
  configPath: string | undefined;
  store: SqliteStore;
  journal: Journal;
  scratchDir: string;
  env: Environment;
  close(): Promise<void>;
}

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

/**
 * Opens the data directory: the config, the store, the journal with its signed checkpoints. Every start
 * reaps first: tasks whose process died become `interrupted` (their reservations released), and the
 * workspaces of tasks interrupted longer ago than `recovery.keepInterruptedHours` are removed.
 */
export async function openWardenContext(options: {
  dataDir?: string;
  config?: string;
  env: Environment;
}): Promise<WardenContext> {
  const home = resolveHome(options.dataDir, options.env);
  const configPath = resolveConfigPath(options.config, home);
  const config = loadConfig(configPath);
  const store = openSqliteStore(path.join(home, 'warden.db'));
  try {
    const journal = new Journal(store, { checkpoints: new Checkpoints(store, loadCheckpointKey(home)) });
    const scratchDir = path.join(home, 'scratch');
    const spend = new SqliteSpendStore(store.database);
    await reapInterruptedTasks({
      store,
      journal,
      scratchDir,
      keepMs: config.recovery.keepInterruptedHours * 3_600_000,
      releaseReservations: (taskId, now) => spend.releaseTaskReservations(taskId, now),
      // An unreadable window (see `warden doctor`) books nothing here rather than stopping every command.
      bookedUsd: (taskId) => spend.totals(`task:${taskId}`, 'all')?.spentUsd ?? 0,
    });
    return {
      home,
      config,
      configPath,
      store,
      journal,
      scratchDir,
      env: options.env,
      close: () => store.close(),
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
