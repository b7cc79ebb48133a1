import path from 'node:path';
import { newTaskId } from '../agent/index.ts';
import { dropFetchedRef } from '../forge/index.ts';
import { UserError } from '../spec/errors.ts';
import { contextOf } from './forge-context.ts';
import type { Deliveries } from './result-delivery.ts';
import type { TaskRequest } from './task-operations.ts';

/**
 * Makes a triggered task's request ready to run, and tidies after it: its repository fetched into
 * Warden's own checkout (`fetch`: the event's commit, as `refs/warden/fetched/TASK`, one fetch at a time
 * per checkout), and what it needs of GitHub (`context`: a diff, failed jobs' logs) read into its text.
 */
export class TriggeredRequests {
  readonly #home: string;
  readonly #deliveries: () => Deliveries | null;
  /** The fetch into each checkout last started: the next one waits for it. */
  readonly #fetching = new Map<string, Promise<unknown>>();

  constructor(home: string, deliveries: () => Deliveries | null) {
    this.#home = home;
    this.#deliveries = deliveries;
  }

  /**
   * Runs `work` on the request made ready; the fetched ref is deleted once it has ended (its commit
   * lives on in the task's workspace and result branch).
   *
   * @throws UserError `config-invalid` when the request needs GitHub and `forge.kind` is not github;
   *   SystemError when the fetch or a diff fails.
   */
  async run<T>(request: TaskRequest, work: (ready: TaskRequest) => Promise<T>): Promise<T> {
    const checkedOut = request.fetch ? await this.#checkout(request, request.fetch) : request;
    try {
      const told = checkedOut.context ? await this.#withContext(checkedOut, checkedOut.context) : checkedOut;
      return await work(told);
    } finally {
      if (checkedOut.startAt !== undefined && request.fetch) {
        await dropFetchedRef(checkedOut.repo, checkedOut.startAt).catch(() => {});
      }
    }
  }

  #github(what: string): Deliveries {
    const deliveries = this.#deliveries();
    if (!deliveries) throw new UserError('config-invalid', `${what} needs forge.kind: github`);
    return deliveries;
  }

  async #withContext(
    request: TaskRequest,
    context: NonNullable<TaskRequest['context']>,
  ): Promise<TaskRequest> {
    const text = await contextOf(this.#github(context.repository), context.repository, context);
    return { ...request, task: `${request.task}\n\n${text}`, context: undefined };
  }

  async #checkout(request: TaskRequest, fetch: NonNullable<TaskRequest['fetch']>): Promise<TaskRequest> {
    const deliveries = this.#github(`${fetch.repository} is to be cloned, which`);
    const taskId = request.taskId ?? newTaskId();
    const dir = path.join(this.#home, 'checkouts', ...fetch.repository.split('/'));
    const into = `refs/warden/fetched/${taskId}`;
    const before = this.#fetching.get(dir) ?? Promise.resolve();
    const fetched = before.then(() => deliveries.fetchCheckout(fetch.repository, dir, fetch.ref, into));
    this.#fetching.set(
      dir,
      fetched.catch(() => {}),
    );
    await fetched;
    return { ...request, taskId, repo: dir, startAt: into, fetch: undefined };
  }
}
