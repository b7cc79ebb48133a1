import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execResult, type LoopFixture, openLoopFixture } from '../../../test/support/agent-loop-fixture.ts';
import type { Workspace } from '../../sandbox/index.ts';
import { SystemError } from '../../spec/errors.ts';
import type { EgressConnection, Sandbox, SandboxDriver, SandboxSettings } from '../../spec/sandbox.ts';
import { openTaskSandbox } from './open-task-sandbox.ts';

let fixture: LoopFixture;
beforeEach(async () => {
  fixture = await openLoopFixture();
});
afterEach(() => fixture.close());

/** A driver double that records the settings it was given, or refuses when `refusal` is set. */
function recordingDriver(refusal?: Error): SandboxDriver & { created: SandboxSettings[] } {
  const created: SandboxSettings[] = [];
  return {
    name: 'recording',
    created,
    async check() {},
    async create(settings): Promise<Sandbox> {
      created.push(settings);
      if (refusal) throw refusal;
      return {
        workspaceDir: settings.workspaceDir,
        exec: async () => execResult(),
        readFile: async () => Buffer.from(''),
        writeFile: async () => {},
        destroy: async () => {},
      };
    },
  };
}

/** A workspace double that records whether it was removed. */
function recordingWorkspace(): Workspace & { destroyed: number } {
  const workspace: Workspace & { destroyed: number } = {
    dir: fixture.dir,
    baseCommit: '0'.repeat(40),
    dirty: false,
    ready: Promise.resolve(),
    destroyed: 0,
    createBranch: async () => null,
    commit: async () => ({ gitDir: '', commit: null, skipped: [] }),
    landBranch: async () => {
      throw new Error('not landed in this test');
    },
    diffStat: async () => null,
    destroy: async () => {
      workspace.destroyed += 1;
    },
  };
  return workspace;
}

const connection = (host: string): EgressConnection => ({
  host,
  port: 443,
  method: 'CONNECT',
  decision: 'refuse',
  reason: 'not on the allow-list',
  bytesUp: 0,
  bytesDown: 0,
  at: new Date().toISOString(),
  durationMs: 1,
});

describe('openTaskSandbox', () => {
  it('journals every egress connection, in the order the proxy reported them', async () => {
    const driver = recordingDriver();
    const opened = await openTaskSandbox({
      driver,
      journal: fixture.journal,
      taskId: fixture.taskId,
      workspace: recordingWorkspace(),
      egress: { allow: ['registry.npmjs.org'] },
      protectedPaths: ['.github/'],
    });
    expect(driver.created[0]).toMatchObject({ workspaceDir: fixture.dir, protectedPaths: ['.github/'] });
    expect(driver.created[0]!.egress?.allow).toEqual(['registry.npmjs.org']);
    for (const host of ['a.example', 'b.example', 'c.example'])
      driver.created[0]!.egress?.onConnection?.(connection(host));
    await opened.connectionsJournaled();
    expect((await fixture.events('net-connect')).map((event) => event.host)).toEqual([
      'a.example',
      'b.example',
      'c.example',
    ]);
  });

  it('gives a task without egress settings a sandbox without a way out', async () => {
    const driver = recordingDriver();
    await openTaskSandbox({
      driver,
      journal: fixture.journal,
      taskId: fixture.taskId,
      workspace: recordingWorkspace(),
    });
    expect(driver.created[0]!.egress).toBeUndefined();
  });

  it('removes the workspace when the sandbox cannot be opened, and passes the error on', async () => {
    const refusal = new SystemError('sandbox-failed', 'bwrap: no user namespaces');
    const workspace = recordingWorkspace();
    await expect(
      openTaskSandbox({
        driver: recordingDriver(refusal),
        journal: fixture.journal,
        taskId: fixture.taskId,
        workspace,
      }),
    ).rejects.toBe(refusal);
    expect(workspace.destroyed).toBe(1);
  });
});
