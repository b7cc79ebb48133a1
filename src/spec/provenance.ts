/**
 * Where a piece of a task's context came from. `operator`: the config and a task given by an
 * authenticated human; `repository`: the workspace's files and what its commands print; `issue`,
 * `pull-request`, `comment`: forge text, with its author; `ci-log`: a failed run's logs; `alert`: an
 * on-call page's text; `network`: responses from a host reached through the egress proxy;
 * `suspected-injection`: text anywhere (a README, test output) flagged as instructions aimed at the agent,
 * or hiding tag-character text.
 */
/** The kinds of source that can taint a task: every one but the operator's and the repository's. */
export const UNTRUSTABLE_KINDS = [
  'issue',
  'pull-request',
  'comment',
  'ci-log',
  'alert',
  'network',
  'suspected-injection',
] as const;

export const CONTEXT_SOURCE_KINDS = ['operator', 'repository', ...UNTRUSTABLE_KINDS] as const;

export type ContextSourceKind = (typeof CONTEXT_SOURCE_KINDS)[number];

/** One source of a task's context, as the journal records it when it taints the task. */
export interface ContextSource {
  kind: ContextSourceKind;
  /** What it is, for a human: `issue #12 by @mallory`, `api.example.com`. */
  label: string;
  /** Who wrote it (a forge login), when known. */
  author?: string | undefined;
}

/**
 * A task's taint, as every policy request's `context.taint` carries it: whether untrusted content has
 * entered the task, the kinds of its sources (`issue`, `network`...), and when the first entered (ISO
 * time; empty while untainted).
 */
export interface TaintFacts {
  tainted: boolean;
  sources: string[];
  since: string;
}

export const UNTAINTED: TaintFacts = Object.freeze({ tainted: false, sources: [], since: '' }) as TaintFacts;
