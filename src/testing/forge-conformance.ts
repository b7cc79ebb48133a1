import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UnsupportedError, WardenError } from '../spec/errors.ts';
import type { Forge } from '../spec/forge.ts';

/** The repository a forge under test serves, made fresh by the suite for every test. */
export interface ForgeFixture {
  /** A bare git repository: HEAD is `main`; `main` and `release` hold one commit. */
  bareRepository: string;
  /** A branch besides the default one that the forge must report as protected: `release`. */
  protectedBranch: string;
}

/** A forge made for one test, and how to let it go. */
export interface ForgeUnderTest {
  forge: Forge;
  close?: () => Promise<void>;
}

export interface ForgeConformanceOptions {
  /** Makes the forge under test over the fixture's repository; called once per test. */
  createForge: (fixture: ForgeFixture) => Promise<ForgeUnderTest>;
  /** Suite title. Default: `forge conformance`. */
  name?: string;
  /** Per-test timeout in ms. Default: 120 000 (a busy machine runs git and an RSA signature per call). */
  timeoutMs?: number;
}

const IDENTITY = ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', '-c', 'commit.gpgsign=false'];

/**
 * Registers the Vitest suite every forge must pass: the default branch and the protected ones, a push
 * that creates a branch and one that fast-forwards it, the same push again changing nothing, a push
 * that is not a fast-forward refused, a push onto the default or a protected branch refused, pull
 * requests opened, updated, closed, commented on and given reviewers, and refusals for a pull request
 * from a missing branch, a second open one from the same branch, and a comment on a missing one. A
 * refusal is a `WardenError` that is not retryable, and it leaves the branches as they were. Await it at
 * the top level of a test file; it imports Vitest lazily, so importing the testing entry never loads it.
 */
export async function runForgeConformance(options: ForgeConformanceOptions): Promise<void> {
  const { afterEach, beforeEach, describe, expect, it } = await import('vitest');
  const title = options.name ?? 'forge conformance';
  const timeout = options.timeoutMs ?? 120_000;

  describe(title, () => {
    let scratch: string;
    let bare: string;
    let work: string;
    let underTest: ForgeUnderTest;
    let forge: Forge;

    const inWork = (...args: string[]) =>
      execFileSync('git', [...IDENTITY, ...args], { cwd: work, stdio: 'pipe' })
        .toString()
        .trim();
    const branchOnForge = (branch: string): string | null => {
      try {
        return execFileSync(
          'git',
          [`--git-dir=${bare}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`],
          {
            stdio: 'pipe',
          },
        )
          .toString()
          .trim();
      } catch {
        return null;
      }
    };
    /** Commits one file change on `from` in the work repository and returns the commit id. */
    const commitOn = (from: string, file: string, content: string): string => {
      inWork('switch', '--quiet', '--detach', from);
      writeFileSync(path.join(work, file), content);
      inWork('add', '-A');
      inWork('commit', '--quiet', '-m', `change ${file}`);
      return inWork('rev-parse', 'HEAD');
    };
    const push = (commit: string, branch: string) => {
      if (!forge.pushBranch) throw new UnsupportedError('pushBranch');
      return forge.pushBranch({ sourceDir: work, commit, branch });
    };
    /** The refusal `work` ends with: a WardenError that retrying would not fix. */
    const refusalOf = async (work: Promise<unknown>): Promise<WardenError> => {
      const error = await work.then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(WardenError);
      expect((error as WardenError).isRetryable).toBe(false);
      return error as WardenError;
    };

    beforeEach(async () => {
      scratch = mkdtempSync(path.join(tmpdir(), 'warden-forge-conformance-'));
      bare = path.join(scratch, 'remote.git');
      work = path.join(scratch, 'work');
      execFileSync('git', ['init', '--quiet', '--initial-branch=main', work]);
      writeFileSync(path.join(work, 'README.md'), '# app\n');
      inWork('add', '-A');
      inWork('commit', '--quiet', '-m', 'base');
      inWork('branch', 'release');
      execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
      underTest = await options.createForge({ bareRepository: bare, protectedBranch: 'release' });
      forge = underTest.forge;
    });
    afterEach(async () => {
      await underTest?.close?.();
      rmSync(scratch, { recursive: true, force: true });
    });

    it('names its default branch and protects it and the configured ones', { timeout }, async () => {
      expect(await forge.defaultBranch()).toBe('main');
      expect(await forge.protectedBranches()).toEqual(expect.arrayContaining(['main', 'release']));
    });

    it('pushes a new branch, then fast-forwards it', { timeout }, async () => {
      const first = commitOn('main', 'fix.txt', 'one\n');
      expect(await push(first, 'warden/fix')).toEqual({
        branch: 'warden/fix',
        commit: first,
        previous: null,
      });
      expect(branchOnForge('warden/fix')).toBe(first);

      const second = commitOn(first, 'fix.txt', 'two\n');
      expect(await push(second, 'warden/fix')).toEqual({
        branch: 'warden/fix',
        commit: second,
        previous: first,
      });
      expect(branchOnForge('warden/fix')).toBe(second);
    });

    it('pushing the same commit again leaves the branch where it is', { timeout }, async () => {
      const commit = commitOn('main', 'fix.txt', 'one\n');
      await push(commit, 'warden/fix');
      expect(await push(commit, 'warden/fix')).toEqual({ branch: 'warden/fix', commit, previous: commit });
      expect(branchOnForge('warden/fix')).toBe(commit);
    });

    it('refuses a push that is not a fast-forward (pushes are never forced)', { timeout }, async () => {
      const first = commitOn('main', 'fix.txt', 'one\n');
      await push(first, 'warden/fix');
      const sibling = commitOn('main', 'other.txt', 'elsewhere\n');
      await refusalOf(push(sibling, 'warden/fix'));
      expect(branchOnForge('warden/fix')).toBe(first);
    });

    it('refuses a push onto the default branch or a protected one, even a fast-forward', {
      timeout,
    }, async () => {
      const main = branchOnForge('main');
      const release = branchOnForge('release');
      const onTop = commitOn('main', 'fix.txt', 'one\n');
      const refused = await refusalOf(push(onTop, 'main'));
      expect(refused.message).toMatch(/protected/);
      await refusalOf(push(onTop, 'release'));
      expect(branchOnForge('main')).toBe(main);
      expect(branchOnForge('release')).toBe(release);
    });

    it('opens, updates, comments on, gives reviewers to and closes a pull request', { timeout }, async () => {
      await push(commitOn('main', 'fix.txt', 'one\n'), 'warden/fix');
      const opened = await forge.openPullRequest({
        head: 'warden/fix',
        base: 'main',
        title: 'Fix the thing',
        body: 'Why and how.',
      });
      expect(opened).toMatchObject({
        head: 'warden/fix',
        base: 'main',
        title: 'Fix the thing',
        body: 'Why and how.',
        state: 'open',
        reviewers: [],
      });
      expect(opened.number).toBeGreaterThan(0);
      expect(opened.url).not.toBe('');

      const renamed = await forge.updatePullRequest(opened.number, { title: 'Fix the thing, better' });
      expect(renamed).toMatchObject({
        number: opened.number,
        title: 'Fix the thing, better',
        body: 'Why and how.',
      });

      const comment = await forge.comment(opened.number, 'The check passed.');
      expect(comment).toMatchObject({ pullRequest: opened.number, body: 'The check passed.' });
      const review = await forge.review(opened.number, {
        body: 'Looks right.',
        comments: [{ path: 'fix.txt', line: 1, body: 'one is the right value' }],
      });
      expect(review.pullRequest).toBe(opened.number);
      expect(review.body).toContain('Looks right.');

      await forge.requestReview(opened.number, ['ada']);
      const reviewed = await forge.requestReview(opened.number, ['grace', 'ada']);
      expect([...reviewed.reviewers].sort()).toEqual(['ada', 'grace']);

      const listed = await forge.openPullRequests();
      expect(listed.map((pull) => [pull.number, pull.head])).toEqual([[opened.number, 'warden/fix']]);
      const closed = await forge.updatePullRequest(opened.number, { state: 'closed' });
      expect(closed.state).toBe('closed');
      expect(await forge.openPullRequests()).toEqual([]);
    });

    it('refuses a pull request from a branch it lacks, and a second open one from the same branch', {
      timeout,
    }, async () => {
      await refusalOf(forge.openPullRequest({ head: 'warden/missing', base: 'main', title: 't', body: '' }));
      await push(commitOn('main', 'fix.txt', 'one\n'), 'warden/fix');
      const first = await forge.openPullRequest({ head: 'warden/fix', base: 'main', title: 't', body: '' });
      await refusalOf(forge.openPullRequest({ head: 'warden/fix', base: 'main', title: 't2', body: '' }));
      // Once the first is closed, the branch may have a new one.
      await forge.updatePullRequest(first.number, { state: 'closed' });
      const second = await forge.openPullRequest({ head: 'warden/fix', base: 'main', title: 't3', body: '' });
      expect(second.number).not.toBe(first.number);
    });

    it('refuses a comment on a pull request it does not have', { timeout }, async () => {
      await refusalOf(forge.comment(4242, 'hello'));
    });
  });
}
