import { randomBytes, randomUUID } from 'node:crypto';
import type { createAppAuth } from '@octokit/auth-app';
import { jwtVerify, SignJWT } from 'jose';
import { SystemError, UserError } from '../spec/errors.ts';
import { Redactor } from './redactor.ts';
import {
  type TaskToken,
  type TaskTokenClaims,
  TaskTokenClaimsSchema,
  type TaskTokenExpectation,
} from './task-token.ts';

const ISSUER = 'warden';
const AUDIENCE = 'warden-host';
/** Task tokens live minutes, never hours. */
const DEFAULT_TTL_SECONDS = 10 * 60;
const MAX_TTL_SECONDS = 60 * 60;

/** A GitHub App installation the broker may mint installation tokens for. */
export interface GitHubAppSettings {
  appId: number | string;
  /** The App's private key (PEM). Held only in the host process. */
  privateKey: string;
  installationId: number;
  /** The REST API base URL. Default `https://api.github.com`; tests point it at 127.0.0.1. */
  baseUrl?: string;
}

export interface CredentialBrokerSettings {
  /** HMAC key for task tokens, at least 32 bytes. Undefined: a fresh random key per broker. */
  signingKey?: Uint8Array;
  /** Default life of a task token in seconds (at most 3,600). Default 600. */
  ttlSeconds?: number;
  /** The GitHub App, when Warden acts on GitHub; undefined: no GitHub tokens. */
  github?: GitHubAppSettings;
  /** The clock; tests pass their own. */
  now?: () => Date;
}

/** GitHub App permission levels an installation token may carry. */
export type GitHubPermissions = Readonly<Record<string, 'read' | 'write'>>;

/** A GitHub installation token, narrowed to one repository and some permissions. */
export interface GitHubToken {
  token: string;
  expiresAt: Date;
  repository: string;
  permissions: GitHubPermissions;
}

type AppAuth = ReturnType<typeof createAppAuth>;

/**
 * Mints short-lived credentials for one task and checks them. Task tokens are HS256 JWTs scoped to a
 * task, a repository and a list of actions; the key lives only in this object. GitHub access goes
 * through GitHub App installation tokens narrowed to one repository and the permissions an action
 * needs. Every secret the broker holds or mints is known to its redactor.
 */
export class CredentialBroker {
  readonly #key: Uint8Array;
  readonly #ttlSeconds: number;
  readonly #github: GitHubAppSettings | undefined;
  readonly #now: () => Date;
  readonly #redactor = new Redactor();
  #appAuth: AppAuth | undefined;

  constructor(settings: CredentialBrokerSettings = {}) {
    const key = settings.signingKey ?? new Uint8Array(randomBytes(32));
    if (key.length < 32) {
      throw new UserError('config-invalid', 'credentials.signingKey: must be at least 32 bytes');
    }
    const ttl = settings.ttlSeconds ?? DEFAULT_TTL_SECONDS;
    if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TTL_SECONDS) {
      throw new UserError(
        'config-invalid',
        `credentials.ttlSeconds: must be 1..${MAX_TTL_SECONDS}, got ${ttl}`,
      );
    }
    this.#key = key;
    this.#ttlSeconds = ttl;
    this.#github = settings.github;
    this.#now = settings.now ?? (() => new Date());
    this.#redactor.add(key);
    if (settings.github) this.#redactor.add(settings.github.privateKey);
  }

  /** Registers another secret the host holds (a deploy webhook secret…) so `redact` knows it. */
  addSecret(secret: string | Uint8Array): void {
    this.#redactor.add(secret);
  }

  /** The text with every secret this broker holds or minted replaced by `[REDACTED]`. */
  redact(text: string): string {
    return this.#redactor.redact(text);
  }

  /** A JSON-compatible value with every known secret redacted (a deep copy). */
  redactValue<T>(value: T): T {
    return this.#redactor.redactValue(value);
  }

  /**
   * Mints a task token for `taskId`, good for `repository` and the listed `actions` only.
   * @param ttlSeconds its life; undefined: the broker's default. Capped at the broker's default.
   */
  async issueTaskToken(scope: {
    taskId: string;
    repository: string;
    actions: readonly string[];
    ttlSeconds?: number;
  }): Promise<TaskToken> {
    const ttl = Math.min(scope.ttlSeconds ?? this.#ttlSeconds, this.#ttlSeconds);
    const issuedAt = Math.floor(this.#now().getTime() / 1000);
    const token = await new SignJWT({ repo: scope.repository, actions: [...scope.actions] })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(scope.taskId)
      .setJti(randomUUID())
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + ttl)
      .sign(this.#key);
    this.#redactor.add(token);
    return { token, expiresAt: new Date((issuedAt + ttl) * 1000) };
  }

  /**
   * Checks a task token: signature, issuer, audience, expiry, task, repository and (when asked) action.
   * @throws SystemError `credential-refused` naming what did not hold; the token never appears in it.
   */
  async verifyTaskToken(token: string, expected: TaskTokenExpectation): Promise<TaskTokenClaims> {
    let payload: unknown;
    try {
      const verified = await jwtVerify(token, this.#key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: this.#now(),
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
      });
      payload = verified.payload;
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === 'ERR_JWT_EXPIRED' ? 'it expired' : `it is not valid (${code ?? 'malformed'})`;
      throw refused(`the credential was refused: ${why}`);
    }
    const parsed = TaskTokenClaimsSchema.safeParse(payload);
    if (!parsed.success) throw refused('the credential was refused: its claims are malformed');
    const claims = parsed.data;
    if (claims.sub !== expected.taskId) {
      throw refused(`the credential was refused: it belongs to another task, not ${expected.taskId}`);
    }
    if (claims.repo !== expected.repository) {
      throw refused(`the credential was refused: it is not scoped to ${expected.repository}`);
    }
    if (expected.action !== undefined && !claims.actions.includes(expected.action)) {
      throw refused(`the credential was refused: it does not allow ${expected.action}`);
    }
    return {
      taskId: claims.sub,
      repository: claims.repo,
      actions: claims.actions,
      tokenId: claims.jti,
      issuedAt: new Date(claims.iat * 1000),
      expiresAt: new Date(claims.exp * 1000),
    };
  }

  /**
   * A GitHub App installation token narrowed to one repository (its name, without the owner) and the
   * given permissions.
   * @throws UserError `config-invalid` when no GitHub App is configured; SystemError `credential-failed`
   *   when GitHub refuses (the message is redacted).
   */
  async githubToken(request: { repository: string; permissions: GitHubPermissions }): Promise<GitHubToken> {
    const github = this.#github;
    if (!github) {
      throw new UserError('config-invalid', 'no GitHub App is configured, so no GitHub token can be minted');
    }
    // Octokit is imported when the first GitHub token is minted, not by every command that opens Warden.
    if (!this.#appAuth) {
      const [{ createAppAuth }, { Octokit }] = await Promise.all([
        import('@octokit/auth-app'),
        import('@octokit/rest'),
      ]);
      this.#appAuth ??= createAppAuth({
        appId: github.appId,
        privateKey: github.privateKey,
        installationId: github.installationId,
        request: new Octokit({ baseUrl: github.baseUrl ?? 'https://api.github.com' }).request,
      });
    }
    try {
      const authentication = await this.#appAuth({
        type: 'installation',
        repositoryNames: [request.repository],
        permissions: { ...request.permissions },
      });
      this.#redactor.add(authentication.token);
      return {
        token: authentication.token,
        expiresAt: new Date(authentication.expiresAt),
        repository: request.repository,
        permissions: request.permissions,
      };
    } catch (error) {
      throw new SystemError(
        'credential-failed',
        this.redact(`GitHub refused an installation token for ${request.repository}: ${describe(error)}`),
        { isRetryable: true },
      );
    }
  }
}

/** Builds a broker; no I/O happens until a token is asked for. */
export function createCredentialBroker(settings: CredentialBrokerSettings = {}): CredentialBroker {
  return new CredentialBroker(settings);
}

function refused(message: string): SystemError {
  return new SystemError('credential-refused', message);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
