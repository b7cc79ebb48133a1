import pg from 'pg';
import { FLEET_LIMIT_KEYS, type FleetLimitKey } from '../job-queue.ts';
import type { JobQueueSettings } from '../job-queue-settings.ts';
import { queueFailure } from './queue-failure.ts';

/** The first key of each limit's advisory locks: four ASCII letters as an int4, like the stores' locks. */
const LOCK_CLASS: Record<FleetLimitKey, number> = {
  agent: asciiTag('Fagt'),
  team: asciiTag('Ftem'),
  repository: asciiTag('Frep'),
  provider: asciiTag('Fprv'),
};

function asciiTag(tag: string): number {
  return Buffer.from(tag, 'ascii').readInt32BE(0);
}

/**
 * One worker slot's connection, on which a job takes its concurrency slots: for each limited key, one
 * of N session advisory locks `(class of the key, hashtext(value#slot))`, held for the job's duration.
 * A worker that dies loses its connection and its locks with it, so a slot is never leaked. Two values
 * whose `value#slot` hash alike share a slot: a job may then wait when it need not, never run when it
 * must not. The connection is opened on first use and again after it breaks.
 */
export class LimitSlots {
  readonly #url: string;
  readonly #onError: (error: unknown) => void;
  #client: pg.Client | undefined;
  #connecting: Promise<pg.Client> | undefined;

  constructor(url: string, onError: (error: unknown) => void) {
    this.#url = url;
    this.#onError = onError;
  }

  /**
   * Takes one slot of every key in `limits` that `maxima` limits, all or none. `held`: slots were taken
   * (give them back with `release`); `full`: the first key that had no free slot (nothing is held then).
   * Throws `SystemError('store-failed')`, retryable, when the connection fails.
   */
  async acquire(
    limits: Partial<Record<FleetLimitKey, string>> | undefined,
    maxima: JobQueueSettings['limits'],
  ): Promise<{ held: boolean; full?: FleetLimitKey }> {
    const wanted = FLEET_LIMIT_KEYS.filter((key) => limits?.[key] !== undefined && maxima[key] !== undefined);
    if (wanted.length === 0) return { held: false };
    const client = await this.#connect();
    try {
      for (const key of wanted) {
        if (!(await this.#takeOne(client, key, limits![key]!, maxima[key]!))) {
          await client.query('SELECT pg_advisory_unlock_all()');
          return { held: false, full: key };
        }
      }
      return { held: true };
    } catch (error) {
      this.#drop(client);
      throw queueFailure(error, 'cannot take a concurrency slot', this.#url);
    }
  }

  /** Gives back every slot this connection holds. A connection that fails is dropped, which frees them too. */
  async release(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      await client.query('SELECT pg_advisory_unlock_all()');
    } catch (error) {
      this.#drop(client);
      this.#onError(queueFailure(error, 'cannot give back concurrency slots', this.#url));
    }
  }

  /** Runs `work` in a transaction on this connection (committed when it resolves, rolled back if it throws). */
  async transaction<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
    const client = await this.#connect();
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => this.#drop(client));
      throw queueFailure(error, 'cannot put a job back', this.#url);
    }
  }

  /** Closes the connection (its slots go with it). */
  async close(): Promise<void> {
    const client = this.#client ?? (await this.#connecting?.catch(() => undefined));
    this.#client = undefined;
    await client?.end().catch(() => {});
  }

  async #takeOne(client: pg.Client, key: FleetLimitKey, value: string, max: number): Promise<boolean> {
    // Try-locks never wait, so taking keys one after another cannot deadlock.
    for (let slot = 0; slot < max; slot++) {
      const result = await client.query<{ taken: boolean }>(
        'SELECT pg_try_advisory_lock($1, hashtext($2)) AS taken',
        [LOCK_CLASS[key], `${value}#${slot}`],
      );
      if (result.rows[0]?.taken) return true;
    }
    return false;
  }

  async #connect(): Promise<pg.Client> {
    if (this.#client) return this.#client;
    this.#connecting ??= (async () => {
      const client = new pg.Client({ connectionString: this.#url, application_name: 'warden-fleet-slots' });
      client.on('error', (error) => {
        this.#drop(client);
        this.#onError(queueFailure(error, 'a concurrency slot connection failed', this.#url));
      });
      try {
        await client.connect();
      } catch (error) {
        throw queueFailure(error, 'cannot open a concurrency slot connection', this.#url);
      }
      this.#client = client;
      return client;
    })().finally(() => {
      this.#connecting = undefined;
    });
    return this.#connecting;
  }

  #drop(client: pg.Client): void {
    if (this.#client === client) this.#client = undefined;
    void client.end().catch(() => {});
  }
}
