/** What `warden audit search` looks for; each criterion given finds its own events. */
export interface AuditQuery {
  /** A file the agent read or wrote (a tool call's `path`), exactly. */
  path?: string | undefined;
  /** A host the sandbox contacted (or tried to). */
  host?: string | undefined;
  /** A policy id that decided a call or an action. */
  policy?: string | undefined;
  /** A credential issued for this repository (or with this action in its scope). */
  credential?: string | undefined;
  /** ISO times bounding the events looked at. */
  sinceAt?: string | undefined;
  untilAt?: string | undefined;
  limit?: number | undefined;
}

/** One event found by an audit search. */
export interface AuditMatch {
  taskId: string;
  seq: number;
  at: string;
  type: string;
  /** What matched, in one line. */
  detail: string;
}

/** Searches the journal events of every task, for the incident questions across tasks. */
export interface AuditSearch {
  /** The matching events, oldest first, at most `query.limit` (default 200). */
  searchEvents(query: AuditQuery): Promise<AuditMatch[]>;
}

/** `query.limit`, or the default. */
export const auditLimitOf = (query: AuditQuery): number => query.limit ?? 200;

/** A search's matches from each criterion merged: oldest first, then by task and seq, at most `limit`. */
export function mergeAuditMatches(found: AuditMatch[], limit: number): AuditMatch[] {
  return found
    .sort((a, b) => a.at.localeCompare(b.at) || a.taskId.localeCompare(b.taskId) || a.seq - b.seq)
    .slice(0, limit);
}
