/**
 * Vendor batches a model call is waiting on, keyed by the hash of the request body, so a process that
 * died while waiting polls the same batch when it makes the same call again instead of paying twice.
 */
export const MODEL_BATCHES = `CREATE TABLE model_batches (
     request_hash TEXT PRIMARY KEY,
     vendor TEXT NOT NULL,
     batch_id TEXT NOT NULL,
     status TEXT NOT NULL,
     created_at TEXT NOT NULL,
     ended_at TEXT
   );`;
