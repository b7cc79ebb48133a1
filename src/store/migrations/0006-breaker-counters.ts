/**
 * What the circuit breakers count, shared by every process on the file: per breaker the consecutive
 * failed calls of a provider and the recent tool-call outcomes of a task (`outcomes`, oldest first, `1`
 * failed, `0` succeeded); the trips that a wider breaker counts (a task's tool-error breaker opening
 * counts against its agent, an agent's against the fleet); and the half-open probe a process has
 * claimed (`probe_until`: when the claim lapses if its process died).
 */
export const BREAKER_COUNTERS = `CREATE TABLE breaker_counters (
     scope TEXT NOT NULL,
     kind TEXT NOT NULL,
     failures INTEGER NOT NULL DEFAULT 0,
     outcomes TEXT NOT NULL DEFAULT '',
     updated_at TEXT NOT NULL,
     PRIMARY KEY (scope, kind)
   ) WITHOUT ROWID;
   CREATE TABLE breaker_trips (
     scope TEXT NOT NULL,
     source TEXT NOT NULL,
     at TEXT NOT NULL,
     PRIMARY KEY (scope, source)
   ) WITHOUT ROWID;
   ALTER TABLE breakers ADD COLUMN probe_until TEXT;`;
