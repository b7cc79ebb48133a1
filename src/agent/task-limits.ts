import { z } from 'zod';
import { UserError } from '../spec/errors.ts';

/**
 * Everything that bounds one task, recorded in its `task-start` event and restored by `warden resume`:
 * a task keeps the limits it started with for life, across resumes and workers. Daily limits of agents,
 * teams and the fleet are the operator's, not the task's, and always come from the current config.
 */
export interface TaskLimits {
  /** Most model calls. */
  maxSteps: number;
  /** Most wall-clock seconds of each run of the task. */
  maxWallSeconds: number;
  /** Most USD the task may spend; `null`: no limit. */
  maxUsd: number | null;
  /** Most tokens the task may use; `null`: no limit. */
  maxTokens: number | null;
  /** Per-command sandbox bounds. */
  sandbox: SandboxBounds;
  /** Hosts (and groups' hosts) the sandbox may reach through the egress proxy, sorted. */
  egressHosts: string[];
  /** SHA-256 of the policy bundle that judged the task's calls. */
  policyBundleHash: string;
  /** The models of the task's ladder as shown to people: the first, then each tier the cascade may climb to. */
  models: string[];
  /** The price table version the task was charged with. */
  priceTableVersion: string;
}

/** The numeric bounds of each sandboxed command. */
export interface SandboxBounds {
  memoryBytes: number;
  processes: number;
  cpuSeconds: number;
  fileSizeBytes: number;
  workspaceBytes: number;
  commandTimeoutMs: number;
  maxCommandTimeoutMs: number;
  maxOutputBytes: number;
}

const SandboxBoundsSchema = z.strictObject({
  memoryBytes: z.number().nonnegative(),
  processes: z.number().nonnegative(),
  cpuSeconds: z.number().nonnegative(),
  fileSizeBytes: z.number().nonnegative(),
  workspaceBytes: z.number().nonnegative(),
  commandTimeoutMs: z.number().nonnegative(),
  maxCommandTimeoutMs: z.number().nonnegative(),
  maxOutputBytes: z.number().nonnegative(),
});

const TaskLimitsSchema = z.strictObject({
  maxSteps: z.number().int().positive(),
  maxWallSeconds: z.number().positive(),
  maxUsd: z.number().nonnegative().nullable(),
  maxTokens: z.number().int().nonnegative().nullable(),
  sandbox: SandboxBoundsSchema,
  egressHosts: z.array(z.string()),
  policyBundleHash: z.string(),
  models: z.array(z.string()),
  priceTableVersion: z.string(),
});

/** One difference between the limits a task started with and those a resume would run it under. */
export interface LimitChange {
  /** The field, dotted: `maxUsd`, `sandbox.memoryBytes`, `policyBundleHash`… */
  field: string;
  recorded: unknown;
  current: unknown;
  /** `tighten`: the resume runs under less; `loosen`: under more, or something that cannot be compared. */
  kind: 'tighten' | 'loosen';
}

/** What a resume runs under, and how that differs from the start. */
export interface ResumeLimits {
  limits: TaskLimits;
  changes: LimitChange[];
}

/**
 * Reads the limits a task recorded in its `task-start` event.
 *
 * @throws UserError `task-not-resumable` when the task predates recorded limits or they do not parse: a
 *   resume must not guess what bounded the task.
 */
export function parseRecordedLimits(taskId: string, recorded: unknown): TaskLimits {
  const parsed = TaskLimitsSchema.safeParse(recorded);
  if (!parsed.success) {
    throw new UserError(
      'task-not-resumable',
      `task ${taskId} has no readable record of the limits it started with, so it cannot be resumed under them`,
      { hint: 'start the task again with `warden run`' },
    );
  }
  return parsed.data;
}

/**
 * The limits a resumed task runs under. Numeric limits take the smaller of the recorded and the current
 * value (a resume may tighten, never loosen). What cannot be restored from the record — another policy
 * bundle, other models or price table, a host the task could not reach — is refused. With `allowLoosen`
 * the current values apply in full. Every value that differs from the record is reported for the journal.
 *
 * @throws UserError `limits-loosened` naming each such field, when `allowLoosen` is false.
 */
export function limitsForResume(
  taskId: string,
  recorded: TaskLimits,
  current: TaskLimits,
  allowLoosen: boolean,
): ResumeLimits {
  const changes: LimitChange[] = [];
  const pick = <T extends number | null>(field: string, was: T, now: T): T => {
    if (was === now) return was;
    const looser = was !== null && (now === null || now > was);
    // A larger number is simply not taken: the recorded one is restored.
    if (looser && !allowLoosen) return was;
    changes.push({ field, recorded: was, current: now, kind: looser ? 'loosen' : 'tighten' });
    return now;
  };
  const same = <T>(field: string, was: T, now: T, tighter = false): T => {
    if (JSON.stringify(was) === JSON.stringify(now)) return was;
    changes.push({ field, recorded: was, current: now, kind: tighter ? 'tighten' : 'loosen' });
    return tighter || allowLoosen ? now : was;
  };
  const sandbox = Object.fromEntries(
    Object.entries(recorded.sandbox).map(([key, value]) => [
      key,
      pick(`sandbox.${key}`, value, current.sandbox[key as keyof SandboxBounds]),
    ]),
  ) as unknown as SandboxBounds;
  const limits: TaskLimits = {
    maxSteps: pick('maxSteps', recorded.maxSteps, current.maxSteps),
    maxWallSeconds: pick('maxWallSeconds', recorded.maxWallSeconds, current.maxWallSeconds),
    maxUsd: pick('maxUsd', recorded.maxUsd, current.maxUsd),
    maxTokens: pick('maxTokens', recorded.maxTokens, current.maxTokens),
    sandbox,
    egressHosts: same(
      'egressHosts',
      recorded.egressHosts,
      current.egressHosts,
      current.egressHosts.every((host) => recorded.egressHosts.includes(host)),
    ),
    policyBundleHash: same('policyBundleHash', recorded.policyBundleHash, current.policyBundleHash),
    models: same('models', recorded.models, current.models),
    priceTableVersion: same('priceTableVersion', recorded.priceTableVersion, current.priceTableVersion),
  };
  const loosened = changes.filter((change) => change.kind === 'loosen');
  if (loosened.length > 0 && !allowLoosen) {
    const fields = loosened.map((change) => describeChange(change)).join('; ');
    throw new UserError(
      'limits-loosened',
      `task ${taskId} would resume under looser limits than it started with: ${fields}`,
      {
        hint: 'resume with the config (policy bundle, models, price table, egress) the task started with, or pass --allow-loosen to accept the change (it is journaled)',
      },
    );
  }
  return { limits, changes };
}

function describeChange(change: LimitChange): string {
  const show = (value: unknown) =>
    value === null ? 'none' : typeof value === 'string' ? value.slice(0, 16) : JSON.stringify(value);
  return `${change.field} ${show(change.recorded)} → ${show(change.current)}`;
}
