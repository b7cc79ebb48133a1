import path from 'node:path';
import { z } from 'zod';
import type { PolicyDecider } from '../spec/policy.ts';
import type { ToolDefinition } from './tools/tool.ts';

/** Tools that write a file by path: a claim of another role refuses them. */
const WRITING_TOOLS = new Set(['write_file', 'edit_file']);
/** The board's own tools: they touch nothing but the board. */
const BOARD_TOOLS = new Set(['scratchpad', 'claim']);
/** Most notes a role may add, and most characters in one: the board stays small. */
const MAX_NOTES = 200;
const MAX_NOTE_CHARS = 2000;

/**
 * A swarm's shared state: the scratchpad (notes every role reads) and the claims (a workspace path, or a
 * named piece of work `subtask:NAME`, held by one role). Each role gets its own `scratchpad` and `claim`
 * tools and a policy decider that refuses its writes to a path another role claimed. It counts
 * progress (a note, a granted claim, a write, a role done) for the coordinator.
 */
export class SwarmBoard {
  readonly #notes: Array<{ role: string; note: string }> = [];
  readonly #claims = new Map<string, string>();
  #progress = 0;

  /** Grows with every step forward of any role. */
  get progress(): number {
    return this.#progress;
  }

  /** Counts a step forward (a write that went through, a role that finished). */
  advance(): void {
    this.#progress += 1;
  }

  /** Who holds `target` or a directory above it, when that is not `role`; undefined when nobody else. */
  heldByOther(role: string, target: string): { target: string; role: string } | undefined {
    const key = claimKey(target);
    if (key === undefined) return undefined;
    for (const [claimed, holder] of this.#claims) {
      if (holder === role) continue;
      const within = (inner: string, outer: string) => outer === '.' || inner.startsWith(`${outer}/`);
      if (key === claimed || within(key, claimed) || within(claimed, key)) {
        return { target: claimed, role: holder };
      }
    }
    return undefined;
  }

  /** Every claim as `target → role`. */
  claims(): ReadonlyMap<string, string> {
    return this.#claims;
  }

  /** The role's `scratchpad` and `claim` tools. */
  toolsFor(role: string): ToolDefinition[] {
    return [this.#scratchpadTool(role), this.#claimTool(role)] as ToolDefinition[];
  }

  /**
   * The role's policy: the board's tools are allowed (they change nothing but the board); a write to a
   * path another role claimed is denied, naming the holder; everything else is the agent's policy.
   */
  deciderFor(role: string): (agent: PolicyDecider) => PolicyDecider {
    return (agent) => ({
      name: agent.name,
      decide: async (call) => {
        if (BOARD_TOOLS.has(call.name)) {
          return { decision: 'allow', reasons: ["the swarm's shared board"], policyIds: ['swarm-board'] };
        }
        const input = call.input as { path?: unknown } | null;
        if (WRITING_TOOLS.has(call.name) && typeof input?.path === 'string') {
          const held = this.heldByOther(role, input.path);
          if (held) {
            return {
              decision: 'deny',
              reasons: [`${held.target} is claimed by role ${held.role}: leave it a note on the scratchpad`],
              policyIds: ['swarm-claim'],
            };
          }
        }
        return await agent.decide(call);
      },
    });
  }

  #scratchpadTool(role: string): ToolDefinition<{ note?: string | undefined }> {
    return {
      name: 'scratchpad',
      description:
        "The swarm's shared notes. Without `note`: read every role's notes. With `note`: add yours first (what you did, what you need from another role), then read.",
      input: z.strictObject({ note: z.string().min(1).max(MAX_NOTE_CHARS).optional() }),
      run: async (input) => {
        if (input.note !== undefined) {
          if (this.#notes.length >= MAX_NOTES) {
            return { output: `the scratchpad is full (${MAX_NOTES} notes)`, isError: true };
          }
          this.#notes.push({ role, note: input.note });
          this.advance();
        }
        const notes = this.#notes.map((entry) => `[${entry.role}] ${entry.note}`).join('\n');
        return { output: notes === '' ? '(no notes yet)' : notes, isError: false };
      },
    };
  }

  #claimTool(role: string): ToolDefinition<{ target: string }> {
    return {
      name: 'claim',
      description:
        'Claim a workspace path (a file, or a directory and everything under it) or a piece of work (`subtask:NAME`) before you change it: only you may then write it. Refused when another role holds it.',
      input: z.strictObject({ target: z.string().min(1).max(500) }),
      run: async (input) => {
        const key = claimKey(input.target);
        if (key === undefined)
          return { output: `${input.target} is not a path in the workspace`, isError: true };
        const held = this.heldByOther(role, key);
        if (held) return { output: `refused: ${held.target} is claimed by role ${held.role}`, isError: true };
        if (!this.#claims.has(key)) {
          this.#claims.set(key, role);
          this.advance();
        }
        return { output: `claimed ${key}`, isError: false };
      },
    };
  }
}

/**
 * A claim's key: `subtask:NAME` as it is, a path relative to the workspace (`/workspace/` and `./`
 * taken off, normalised); undefined for a path that leaves the workspace.
 */
export function claimKey(target: string): string | undefined {
  if (target.startsWith('subtask:')) return target;
  const relative = target.replace(/^\/workspace(\/|$)/, '').replace(/^\/+/, '');
  const normal = path.posix.normalize(relative === '' ? '.' : relative).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) return undefined;
  return normal === '' ? '.' : normal;
}
