import type { Journal } from '../../journal/index.ts';
import type { Workspace } from '../../sandbox/index.ts';
import type { ResourceLimits, Sandbox, SandboxDriver, SandboxEgress } from '../../spec/sandbox.ts';
import type { TaskTaint } from '../task-taint.ts';

export interface TaskSandboxSettings {
  driver: SandboxDriver;
  journal: Journal;
  taskId: string;
  workspace: Workspace;
  /** Resource limits per command; missing fields take the driver's defaults. */
  limits?: Partial<ResourceLimits> | undefined;
  /** Workspace paths the agent may not change; undefined: the driver's default list. */
  protectedPaths?: readonly string[] | undefined;
  /** What the sandbox may reach through the egress proxy. Undefined: nothing. */
  egress?: Omit<SandboxEgress, 'onConnection'> | undefined;
  /** The task's taint: grown by network responses, and what holds hosts back once it is tainted. */
  taint?: TaskTaint | undefined;
}

/** A task's sandbox, and the journaling of its network connections. */
export interface TaskSandbox {
  sandbox: Sandbox;
  /** Settles once every connection reported so far is journaled; rejects when one could not be. */
  connectionsJournaled(): Promise<void>;
}

/**
 * Opens the sandbox a task's commands run in, over its workspace. Each connection through the egress
 * proxy is journaled (`net-connect`) when it ends, in order: the entries are chained so none is lost or
 * reordered. A sandbox that cannot be opened removes the workspace before the error goes on.
 */
export async function openTaskSandbox(settings: TaskSandboxSettings): Promise<TaskSandbox> {
  const { journal, taskId, workspace, taint } = settings;
  let connections = Promise.resolve();
  const sandbox = await settings.driver
    .create({
      workspaceDir: workspace.dir,
      limits: settings.limits,
      protectedPaths: settings.protectedPaths,
      egress: settings.egress && {
        ...settings.egress,
        onConnection: (connection) => {
          // The taint grows at once (the next decision sees it); its entry follows the connection's.
          const tainting = settings.taint?.connection(connection);
          connections = connections
            .then(() => journal.append(taskId, 'net-connect', { ...connection }))
            .then(() => tainting)
            .then(() => undefined);
        },
        ...(taint === undefined ? {} : { hold: (host: string, port: number) => taint.hold(host, port) }),
      },
    })
    .catch(async (error: unknown) => {
      await workspace.destroy();
      throw error;
    });
  return { sandbox, connectionsJournaled: () => connections };
}
