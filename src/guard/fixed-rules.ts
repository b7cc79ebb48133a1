import { posix } from 'node:path';
import type { PolicyDecider } from '../spec/policy.ts';
import { SANDBOX_WORKDIR } from '../spec/sandbox.ts';
import type { Decision, ToolCall } from '../spec/types.ts';

const FILE_TOOLS = new Set(['read_file', 'write_file', 'edit_file', 'list_files', 'search']);
const WRITE_TOOLS = new Set(['write_file', 'edit_file']);
const KNOWN_TOOLS = new Set([...FILE_TOOLS, 'shell']);

/**
 * The small fixed rule set that stands in for the policy engine: file tools stay inside the workspace
 * and never write under `.git/`; shell commands run (they are contained by the sandbox); unknown tools
 * are denied. Paths are judged lexically here; the file tools resolve symlinks again before touching
 * anything, so a path that passes here can still be refused there.
 */
export function createFixedRules(): PolicyDecider {
  return {
    name: 'fixed-rules',
    async decide(call: ToolCall): Promise<Decision> {
      if (!KNOWN_TOOLS.has(call.name)) return deny('unknown-tool', `there is no tool named ${call.name}`);
      if (!FILE_TOOLS.has(call.name))
        return allow('sandboxed-shell', 'shell commands run inside the sandbox');
      const path = pathOf(call.input);
      const relative = workspaceRelative(path);
      if (relative === undefined) return deny('outside-workspace', `${path} is outside the workspace`);
      if (WRITE_TOOLS.has(call.name) && relative.split('/').includes('.git')) {
        return deny('git-internals', `writes under .git/ are not allowed (${path})`);
      }
      return allow('inside-workspace', 'file access inside the workspace');
    },
  };
}

function pathOf(input: unknown): string {
  if (typeof input === 'object' && input !== null && 'path' in input && typeof input.path === 'string') {
    return input.path;
  }
  return '.';
}

/** The path relative to the workspace root, or `undefined` when it leaves the workspace. */
function workspaceRelative(path: string): string | undefined {
  const absolute = posix.resolve(SANDBOX_WORKDIR, path);
  if (absolute === SANDBOX_WORKDIR) return '';
  if (!absolute.startsWith(`${SANDBOX_WORKDIR}/`)) return undefined;
  return absolute.slice(SANDBOX_WORKDIR.length + 1);
}

function allow(id: string, reason: string): Decision {
  return { decision: 'allow', reasons: [reason], policyIds: [id] };
}

function deny(id: string, reason: string): Decision {
  return { decision: 'deny', reasons: [reason], policyIds: [id] };
}
