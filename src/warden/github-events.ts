import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import { revealInvisible, spotlight } from '../guard/index.ts';
import type { ContextSource } from '../spec/provenance.ts';

const Author = z.looseObject({ login: z.string() }).nullish();

/** The parts of a payload the triggers read; anything else in it is left alone. */
export const EventPayload = z.looseObject({
  action: z.string().optional(),
  repository: z.looseObject({ full_name: z.string() }).optional(),
  sender: z.looseObject({ login: z.string() }).optional(),
  workflow_run: z
    .looseObject({
      id: z.number().optional(),
      name: z.string().nullish(),
      conclusion: z.string().nullish(),
      head_branch: z.string().nullish(),
      head_sha: z.string().nullish(),
      html_url: z.string().nullish(),
      head_repository: z.looseObject({ full_name: z.string() }).nullish(),
    })
    .optional(),
  check_suite: z
    .looseObject({
      conclusion: z.string().nullish(),
      head_branch: z.string().nullish(),
      head_sha: z.string().nullish(),
      url: z.string().nullish(),
    })
    .optional(),
  issue: z
    .looseObject({
      number: z.number(),
      title: z.string(),
      body: z.string().nullish(),
      html_url: z.string().nullish(),
      user: Author,
      author_association: z.string().optional(),
    })
    .optional(),
  label: z.looseObject({ name: z.string() }).optional(),
  pull_request: z
    .looseObject({
      number: z.number(),
      title: z.string(),
      body: z.string().nullish(),
      html_url: z.string().nullish(),
      head: z.looseObject({ ref: z.string() }),
      user: Author,
      author_association: z.string().optional(),
    })
    .optional(),
  comment: z
    .looseObject({
      body: z.string(),
      html_url: z.string().nullish(),
      user: Author,
      author_association: z.string().optional(),
    })
    .optional(),
});

/** Something of the forge a task is given in its text before it starts. */
export type ForgeContext = { kind: 'diff'; number: number } | { kind: 'run-logs'; runId: number };

/** What a rule makes of an event: the task, its link, its subject, and the issue or pull request. */
export interface EventTask {
  task: string;
  url: string | undefined;
  /** What one task at a time works on: a workflow on a branch, an issue, a pull request. */
  subject: string;
  /** The issue or pull request the event is about; a comment agent posts there. */
  number?: number | undefined;
  /** What the task needs from the forge before it starts: a pull request's diff, a failed run's logs. */
  needs?: ForgeContext | undefined;
  /** What a task on Warden's own checkout starts from: the commit, the pull request's head; default HEAD. */
  ref?: string | undefined;
  /** Where the task's text comes from beyond Warden's own words, with the author's association. */
  sources: AuthoredSource[];
}

/** A source of a task's text and its author's GitHub association (`MEMBER`, `NONE`…), when known. */
export type AuthoredSource = ContextSource & { association?: string | undefined };

/** The source of a forge text: its kind, what it is, its author and their association. */
function authored(
  kind: 'issue' | 'pull-request' | 'comment',
  label: string,
  thing: { user?: { login: string } | null | undefined; author_association?: string | undefined },
): AuthoredSource {
  const author = thing.user?.login;
  return {
    kind,
    label: author === undefined ? label : `${label} by @${author}`,
    author,
    association: thing.author_association,
  };
}

/** The footer of Warden's own comments (`commentBody`): a comment carrying it never starts work. */
const WARDEN_FOOTER = /Posted by a Warden agent \(.*\); the full record: `warden trace /;

/** The task a rule makes of a payload; undefined when the rule does not match it. */
export function taskOf(
  settings: Config['triggers']['github'],
  rule: Config['triggers']['github']['on'][number],
  payload: z.infer<typeof EventPayload>,
): EventTask | { skip: string } | undefined {
  if (rule.event === 'workflow_run' || rule.event === 'check_suite') {
    const run = rule.event === 'workflow_run' ? payload.workflow_run : payload.check_suite;
    if (payload.action !== 'completed' || run?.conclusion !== 'failure') return undefined;
    const branch = run.head_branch ?? '';
    if (branch.startsWith('warden/')) return { skip: `the failure is on Warden's own branch ${branch}` };
    const name = payload.workflow_run?.name ?? 'checks';
    const url = payload.workflow_run?.html_url ?? payload.check_suite?.url ?? undefined;
    return {
      task: `CI (${name}) failed on branch ${branch || '(unknown)'}${url ? ` (${url})` : ''}. Reproduce the failure, find its cause and fix it.`,
      url,
      // A second failure of the same workflow on the same branch belongs to the task already on it.
      subject: `${rule.event}:${name}@${branch}`,
      ref: /^[0-9a-f]{40,64}$/.test(run.head_sha ?? '') ? run.head_sha! : undefined,
      needs:
        payload.workflow_run?.id === undefined
          ? undefined
          : { kind: 'run-logs', runId: payload.workflow_run.id },
      // Logs of a run on the repository's own code are the repository's; a fork's (or one whose head
      // GitHub does not name) print what an outsider wrote.
      sources:
        payload.workflow_run?.id === undefined ||
        payload.workflow_run.head_repository?.full_name === payload.repository?.full_name
          ? []
          : [
              {
                kind: 'ci-log',
                label: `the logs of ${name} run ${payload.workflow_run.id} from ${payload.workflow_run.head_repository?.full_name ?? 'an unnamed repository'}`,
              },
            ],
    };
  }
  if (rule.event === 'pull_request') {
    const pull = payload.pull_request;
    if (!pull || (payload.action !== 'opened' && payload.action !== 'synchronize')) return undefined;
    if (pull.head.ref.startsWith('warden/')) return { skip: `pull request #${pull.number} is Warden's own` };
    return {
      task: [
        `Review pull request #${pull.number}: ${oneLine(pull.title)}`,
        quoted(pull.body, authored('pull-request', `the body of pull request #${pull.number}`, pull)),
      ]
        .filter((part) => part !== '')
        .join('\n\n'),
      url: pull.html_url ?? undefined,
      // A push to a pull request under review belongs to the review already running.
      subject: `pull#${pull.number}`,
      number: pull.number,
      needs: { kind: 'diff', number: pull.number },
      ref: `refs/pull/${pull.number}/head`,
      sources: [authored('pull-request', `pull request #${pull.number}`, pull)],
    };
  }
  if (rule.event === 'issue_comment') {
    const { issue, comment } = payload;
    if (payload.action !== 'created' || !issue || !comment) return undefined;
    if (!comment.body.toLowerCase().includes(settings.mention.toLowerCase())) return undefined;
    if (WARDEN_FOOTER.test(comment.body)) return { skip: "the comment is Warden's own" };
    const actor = payload.sender?.login ?? 'unknown';
    return {
      task: [
        `Issue #${issue.number}: ${oneLine(issue.title)}`,
        quoted(issue.body, authored('issue', `the body of issue #${issue.number}`, issue)),
        `@${actor} asks, in a comment:`,
        quoted(comment.body, authored('comment', `a comment on issue #${issue.number}`, comment)),
      ]
        .filter((part) => part !== '')
        .join('\n\n'),
      url: comment.html_url ?? issue.html_url ?? undefined,
      subject: `issue#${issue.number}`,
      number: issue.number,
      sources: [
        authored('issue', `issue #${issue.number}`, issue),
        authored('comment', `a comment on issue #${issue.number}`, comment),
      ],
    };
  }
  if (payload.action !== 'labeled' || !payload.issue || payload.label?.name !== rule.label) return undefined;
  const { issue } = payload;
  return {
    task: [
      `Resolve issue #${issue.number}: ${oneLine(issue.title)}`,
      quoted(issue.body, authored('issue', `the body of issue #${issue.number}`, issue)),
    ]
      .filter((part) => part !== '')
      .join('\n\n'),
    url: issue.html_url ?? undefined,
    subject: `issue#${issue.number}`,
    number: issue.number,
    sources: [authored('issue', `issue #${issue.number}`, issue)],
  };
}

/** Forge text as the model is shown it: in a spotlight block (see `spotlight`); empty text is nothing. */
function quoted(text: string | null | undefined, source: ContextSource): string {
  if (text === undefined || text === null || text.trim() === '') return '';
  return spotlight(text, source, randomBytes(8).toString('hex'));
}

/** A title on one line, its hidden characters shown. */
function oneLine(text: string): string {
  return revealInvisible(text).text.replace(/\s+/g, ' ').trim();
}
