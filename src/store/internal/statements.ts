import type { DatabaseSync, StatementSync } from 'node:sqlite';

/**
 * The prepared statements of one store, compiled the first time each SQL text is used and kept for the
 * life of the database: a step of a task runs the same few dozen statements again and again, and
 * compiling one costs several times what running it does. A statement is reset after each run, so
 * keeping it holds no lock; another process's schema change makes SQLite compile it again by itself.
 *
 * A statement whose reads must return bigints is set so where it is used (`setReadBigInts`), for its
 * SQL text alone: the same text is never read both ways.
 */
export class Statements {
  readonly #database: DatabaseSync;
  readonly #prepared = new Map<string, StatementSync>();

  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  /** The prepared statement of `sql`. */
  get(sql: string): StatementSync {
    let statement = this.#prepared.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare(sql);
      this.#prepared.set(sql, statement);
    }
    return statement;
  }
}

/** One `Statements` per open database, shared by every store made on it (stores are cheap to make). */
const shared = new WeakMap<DatabaseSync, Statements>();

/** The statements of `database`, shared across the stores made on it. */
export function statementsOf(database: DatabaseSync): Statements {
  let statements = shared.get(database);
  if (!statements) {
    statements = new Statements(database);
    shared.set(database, statements);
  }
  return statements;
}
