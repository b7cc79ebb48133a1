/**
 * What became of each pull request Warden opened, as the forge's webhooks told it: its repository,
 * number and link, when it opened, and its state — `open`, `accepted-first-pass` (merged with no change
 * asked for and no human commit on its branch), `accepted-after-changes`, `rejected` (closed unmerged)
 * or `reverted` (its merge commit reverted later) — with the reviews that asked for changes, the humans'
 * commits on the branch, the merge commit and the times of the close and of the revert.
 */
export const PULL_OUTCOMES = `CREATE TABLE pull_outcomes (
     task_id TEXT PRIMARY KEY,
     repository TEXT NOT NULL,
     number INTEGER NOT NULL,
     url TEXT NOT NULL,
     opened_at TEXT NOT NULL,
     state TEXT NOT NULL,
     changes_requested INTEGER NOT NULL DEFAULT 0,
     human_commits INTEGER NOT NULL DEFAULT 0,
     merge_commit TEXT,
     closed_at TEXT,
     reverted_at TEXT
   ) WITHOUT ROWID;
   CREATE INDEX pull_outcomes_merge_commit ON pull_outcomes (repository, merge_commit);`;
