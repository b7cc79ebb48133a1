import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import type { EgressSecret, EgressUpstream } from '../spec/sandbox.ts';
import { createEgressAllowList, type EgressAllowList } from './egress-allow-list.ts';

export type { EgressSecret, EgressUpstream } from '../spec/sandbox.ts';

/** One placeholder the proxy replaces. `reveal()` is the only way to the value; it is not serialised. */
export interface EgressSubstitution {
  readonly placeholder: string;
  readonly hosts: EgressAllowList;
  /** Whether a request carrying it may use methods other than GET and HEAD. */
  readonly allowWrite: boolean;
  reveal(): string;
}

/** A credentialed upstream ready for the proxy. */
export interface EgressUpstreamRoute {
  readonly name: string;
  readonly url: URL;
  readonly header: string;
  /** The header value to send, or `null` for none. Not serialised. */
  credential(): string | null;
  /** The placeholder of the upstream's own secret, or `null`. */
  readonly placeholder: string | null;
  /** Whether methods other than GET and HEAD go through. */
  readonly allowWrite: boolean;
}

/** What the proxy needs to put real values back: hand it to `createEgressProxy({ secrets })`. */
export interface EgressSecretSettings {
  readonly substitutions: readonly EgressSubstitution[];
  readonly upstreams: readonly EgressUpstreamRoute[];
}

export interface SecretPlaceholders {
  /** Variables for the sandbox: each secret's placeholder and each upstream's URL. No real value. */
  env: Record<string, string>;
  /** For the proxy on the host. Holds the real values; never give it to the sandbox or the journal. */
  proxy: EgressSecretSettings;
}

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name');
const secretSchema = z.object({
  name: envName,
  value: z
    .string()
    .min(1, 'must not be empty')
    .regex(/^[^\r\n]*$/, 'must be one line'),
  hosts: z.array(z.string()).optional(),
  allowWrite: z.boolean().optional(),
});
const upstreamSchema = z.object({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  url: z
    .string()
    .refine((text) => URL.canParse(text), 'must be an absolute URL')
    .refine((text) => ['http:', 'https:'].includes(new URL(text).protocol), 'must be http or https')
    .refine(
      (text) => new URL(text).username === '' && new URL(text).password === '',
      'must not hold credentials',
    ),
  secret: z.string().optional(),
  header: z
    .string()
    .regex(/^[A-Za-z0-9-]+$/, 'must be a header name')
    .optional(),
  scheme: z
    .string()
    .regex(/^[A-Za-z0-9-]*$/, 'must be a single word')
    .optional(),
  urlEnv: z.array(envName).optional(),
  allowWrite: z.boolean().optional(),
});

/** The path prefix on the proxy under which upstreams are served. */
export const EGRESS_UPSTREAM_PREFIX = '/_upstream/';

/**
 * Makes a random placeholder for each secret and routes for the credentialed upstreams. `proxyUrl` is
 * the proxy's address as seen from inside the sandbox (`http://127.0.0.1:3128`); each upstream's
 * `urlEnv` variables get `<proxyUrl>/_upstream/<name>/`. Placeholders are fresh random tokens, so they
 * say nothing about the value.
 *
 * @throws UserError `config-invalid` naming the field (never its value) when a secret or upstream is
 *   malformed, two share a name, or an upstream names a secret that is not given.
 */
export function createSecretPlaceholders(settings: {
  secrets?: readonly EgressSecret[];
  upstreams?: readonly EgressUpstream[];
  proxyUrl: string;
}): SecretPlaceholders {
  const secrets = (settings.secrets ?? []).map((secret, index) =>
    parse(secretSchema, secret, `secrets[${index}]`),
  );
  const upstreams = (settings.upstreams ?? []).map((upstream, index) =>
    parse(upstreamSchema, upstream, `upstreams[${index}]`),
  );
  const env: Record<string, string> = {};
  const substitutions: EgressSubstitution[] = [];
  const placeholders = new Map<string, { placeholder: string; value: string }>();
  for (const [index, secret] of secrets.entries()) {
    if (placeholders.has(secret.name)) throw invalid(`secrets[${index}].name`, 'is used twice');
    const placeholder = `WARDEN_PLACEHOLDER_${randomBytes(16).toString('hex')}`;
    const value = secret.value;
    placeholders.set(secret.name, { placeholder, value });
    env[secret.name] = placeholder;
    substitutions.push({
      placeholder,
      hosts: createEgressAllowList(secret.hosts ?? []),
      allowWrite: secret.allowWrite === true,
      reveal: () => value,
    });
  }
  const base = settings.proxyUrl.replace(/\/+$/, '');
  const names = new Set<string>();
  const routes = upstreams.map((upstream, index): EgressUpstreamRoute => {
    if (names.has(upstream.name)) throw invalid(`upstreams[${index}].name`, 'is used twice');
    names.add(upstream.name);
    const secret = upstream.secret === undefined ? undefined : placeholders.get(upstream.secret);
    if (upstream.secret !== undefined && secret === undefined) {
      throw invalid(`upstreams[${index}].secret`, 'names no secret in secrets');
    }
    for (const name of upstream.urlEnv ?? []) env[name] = `${base}${EGRESS_UPSTREAM_PREFIX}${upstream.name}/`;
    const scheme = upstream.scheme ?? 'Bearer';
    const url = new URL(upstream.url);
    if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
    return {
      name: upstream.name,
      url,
      header: (upstream.header ?? 'authorization').toLowerCase(),
      placeholder: secret?.placeholder ?? null,
      allowWrite: upstream.allowWrite === true,
      credential: () =>
        secret === undefined ? null : scheme === '' ? secret.value : `${scheme} ${secret.value}`,
    };
  });
  return { env, proxy: { substitutions, upstreams: routes } };
}

function parse<T>(schema: z.ZodType<T>, input: unknown, where: string): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  throw invalid([where, ...issue.path.map(String)].join('.'), issue.message);
}

function invalid(field: string, what: string): UserError {
  return new UserError('config-invalid', `egress ${field}: ${what}`);
}
