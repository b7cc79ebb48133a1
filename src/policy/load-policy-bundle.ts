import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import {
  type BundlePolicy,
  type CheckedBundle,
  readCheckedBundle,
  writeCheckedBundle,
} from './internal/bundle-cache.ts';
import {
  checkParseEntities,
  checkParsePolicySet,
  checkParseSchema,
  type EntityJson,
  policySetTextToParts,
  policyToJson,
  preparsePolicySet,
  preparseSchema,
  schemaToJson,
  validate,
} from './internal/cedar.ts';
import { describeCedarError, lineAndColumn } from './internal/describe-cedar-error.ts';

export type { BundlePolicy } from './internal/bundle-cache.ts';

/** A bundle that parsed and validated against its schema: ready to evaluate. */
export interface PolicyBundle {
  /** The directory it came from; `undefined` for a bundle built in memory. */
  dir: string | undefined;
  /** SHA-256 (hex) over the schema, the policy files and the entities. */
  hash: string;
  schema: string;
  policies: BundlePolicy[];
  /** The bundle's own entities (command groups...), keyed by `Type::"id"`. */
  entities: ReadonlyMap<string, EntityJson>;
  /** The id (by content hash) under which Cedar keeps the set for actions no policy names. */
  policySetId: string;
  /**
   * The id under which Cedar keeps the parsed schema; reading it parses the schema if that is not done.
   * @throws UserError `policy-bundle-invalid` when Cedar cannot parse it.
   */
  readonly schemaId: string;
  /**
   * The id of the parsed policy set to evaluate for an action: only the policies whose scope can match it
   * (Cedar's cost grows with the set); the `policySetId` set for an action no policy names. The set is
   * parsed on the first call that needs it.
   * @throws UserError `policy-bundle-invalid` when Cedar cannot parse it (the decision then denies).
   */
  policySetFor(action: string): string;
}

/** A bundle's raw content: what `loadPolicyBundle` reads from a directory. */
export interface PolicyBundleSource {
  dir?: string;
  /** `.cedar` files: name (for messages) and text. */
  files: { name: string; text: string }[];
  /** The Cedar schema, in Cedar's schema syntax. */
  schema: string;
  /** The text of `entities.json`, when there is one. */
  entities?: string;
}

export const SCHEMA_FILE = 'schema.cedarschema';
export const ENTITIES_FILE = 'entities.json';

/** How `loadPolicyBundle` may reuse earlier work. */
export interface LoadBundleOptions {
  /**
   * A directory where the checked form of each bundle is kept by its digest (see `bundle-cache.ts`), so
   * a bundle already validated is not validated again; `undefined`: every load validates.
   */
  cacheDir?: string | undefined;
}

/**
 * Reads a bundle directory: every `*.cedar` file at its top level, `schema.cedarschema` and the optional
 * `entities.json`, then compiles it (see `compilePolicyBundle`). With `cacheDir`, a bundle whose exact
 * content was checked before is taken from the cache instead (its policy sets are then parsed on first
 * use); any change to the bundle, Cedar or the cache format misses it, and a damaged entry is rebuilt.
 *
 * @throws UserError `policy-bundle-invalid` when the directory, a file, a policy or the schema is wrong;
 *   the message names the file and, when Cedar gives one, the line and column.
 */
export function loadPolicyBundle(dir: string, options: LoadBundleOptions = {}): PolicyBundle {
  const source = readBundleSource(dir);
  if (options.cacheDir === undefined) return compilePolicyBundle(source);
  const digest = bundleDigest(source);
  const cached = readCheckedBundle(options.cacheDir, digest);
  if (cached !== undefined) return preparedBundle(source.dir, cached, 'on-first-use');
  const checked = checkBundle(source);
  writeCheckedBundle(options.cacheDir, checked);
  return preparedBundle(source.dir, checked, 'now');
}

function readBundleSource(dir: string): PolicyBundleSource {
  const absolute = path.resolve(dir);
  if (!existsSync(absolute)) throw invalid(`${absolute}: no such policy bundle directory`);
  const names = readdirSync(absolute)
    .filter((name) => name.endsWith('.cedar'))
    .sort();
  const schemaPath = path.join(absolute, SCHEMA_FILE);
  if (!existsSync(schemaPath)) throw invalid(`${absolute}: the bundle has no ${SCHEMA_FILE}`);
  const entitiesPath = path.join(absolute, ENTITIES_FILE);
  return {
    dir: absolute,
    files: names.map((name) => ({ name, text: readFileSync(path.join(absolute, name), 'utf8') })),
    schema: readFileSync(schemaPath, 'utf8'),
    ...(existsSync(entitiesPath) ? { entities: readFileSync(entitiesPath, 'utf8') } : {}),
  };
}

/** SHA-256 (hex) over the schema, the policy files (names and texts) and the entities. */
function bundleDigest(source: PolicyBundleSource): string {
  const hash = createHash('sha256');
  hash.update(`schema\0${source.schema}\0`);
  for (const file of source.files) hash.update(`file\0${file.name}\0${file.text}\0`);
  hash.update(`entities\0${source.entities ?? ''}`);
  return hash.digest('hex');
}

const EntitiesFile = z.array(
  z.object({
    uid: z.object({ type: z.string(), id: z.string() }),
    attrs: z.record(z.string(), z.unknown()).default({}),
    parents: z.array(z.object({ type: z.string(), id: z.string() })).default([]),
  }),
);

/**
 * Parses and validates a bundle: the schema parses; every policy file parses and validates against the
 * schema in strict mode; `@id`s are unique; `@ask` appears only on permits; the entities fit the schema.
 * Policies are parsed here, once; evaluation reuses the result.
 *
 * @throws UserError `policy-bundle-invalid` with every problem found, one per line, each located.
 */
export function compilePolicyBundle(source: PolicyBundleSource): PolicyBundle {
  return preparedBundle(source.dir, checkBundle(source), 'now');
}

/** Validates a bundle and derives what evaluation needs; Cedar keeps nothing of it yet. */
function checkBundle(source: PolicyBundleSource): CheckedBundle {
  const problems: string[] = [];
  const schemaAnswer = checkParseSchema(source.schema);
  if (schemaAnswer.type === 'failure') {
    for (const error of schemaAnswer.errors)
      problems.push(describeCedarError(SCHEMA_FILE, source.schema, error));
    throw invalid(problems.join('\n'));
  }
  if (source.files.length === 0) problems.push('the bundle has no .cedar policy file');
  const policies: BundlePolicy[] = [];
  for (const file of source.files) {
    const parsed = checkParsePolicySet({ staticPolicies: file.text });
    if (parsed.type === 'failure') {
      for (const error of parsed.errors) problems.push(describeCedarError(file.name, file.text, error));
      continue;
    }
    const validation = validate({
      schema: source.schema,
      policies: { staticPolicies: file.text },
      validationSettings: { mode: 'strict' },
    });
    if (validation.type === 'failure') {
      for (const error of validation.errors) problems.push(describeCedarError(file.name, file.text, error));
      continue;
    }
    for (const error of validation.validationErrors) {
      problems.push(describeCedarError(file.name, file.text, error.error));
    }
    policies.push(...splitPolicies(file, problems));
  }
  const seen = new Map<string, string>();
  for (const policy of policies) {
    const earlier = seen.get(policy.id);
    if (earlier !== undefined)
      problems.push(`${policy.source}: @id("${policy.id}") is already used at ${earlier}`);
    seen.set(policy.id, policy.source);
  }
  const entities = parseEntities(source, problems);
  if (problems.length > 0) throw invalid(problems.join('\n'));
  const byAction = policiesByAction(policies, source.schema);
  return {
    hash: bundleDigest(source),
    schema: source.schema,
    policies,
    entities: [...entities.values()],
    // The `*` group: the policies on every action (all of them when scopes could not be grouped).
    groups: [
      ['*', (byAction.get('*') ?? policies).map((policy) => policy.id)],
      ...[...byAction]
        .filter(([action]) => action !== '*')
        .map(([action, members]): [string, string[]] => [action, members.map((policy) => policy.id)]),
    ],
  };
}

/**
 * A checked bundle made ready to evaluate: Cedar parses each policy set (one per group of actions) and
 * the schema, and keeps them by id. `now` parses everything at once and throws what fails; `on-first-use`
 * parses each set when a decision first needs it, where a failure denies that decision (fail closed).
 */
function preparedBundle(
  dir: string | undefined,
  checked: CheckedBundle,
  when: 'now' | 'on-first-use',
): PolicyBundle {
  const policySetId = `warden-policies-${checked.hash}`;
  const schemaId = `warden-schema-${checked.hash}`;
  const byId = new Map(checked.policies.map((policy) => [policy.id, policy]));
  const setIds = new Map<string, string>();
  const members = new Map<string, string[]>();
  for (const [action, ids] of checked.groups) {
    setIds.set(action, action === '*' ? policySetId : `${policySetId}:${action}`);
    members.set(action, ids);
  }
  const parsed = new Set<string>();
  const parseSet = (action: string): string => {
    const id = setIds.get(action) as string;
    if (parsed.has(id)) return id;
    const texts = (members.get(action) ?? []).map((policyId) => [policyId, byId.get(policyId)?.text]);
    if (texts.some(([, text]) => text === undefined)) throw invalid(`${id}: names a policy the bundle lacks`);
    const answer = preparsePolicySet(id, { staticPolicies: Object.fromEntries(texts) });
    if (answer.type === 'failure') throw invalid(answer.errors.map((error) => error.message).join('\n'));
    parsed.add(id);
    return id;
  };
  let schemaParsed = false;
  const parseSchema = (): string => {
    if (schemaParsed) return schemaId;
    const answer = preparseSchema(schemaId, checked.schema);
    if (answer.type === 'failure') throw invalid(answer.errors.map((error) => error.message).join('\n'));
    schemaParsed = true;
    return schemaId;
  };
  if (when === 'now') {
    for (const action of setIds.keys()) parseSet(action);
    parseSchema();
  }
  return {
    dir,
    hash: checked.hash,
    schema: checked.schema,
    policies: checked.policies,
    entities: new Map(checked.entities.map((entity) => [entityKeyOf(entity), entity])),
    policySetId,
    get schemaId() {
      return parseSchema();
    },
    policySetFor: (action) => parseSet(setIds.has(action) ? action : '*'),
  };
}

/**
 * Groups policies by the actions their scope names. A policy on every action joins every group; the
 * `*` group holds the policies on every action (for actions no policy names). When the schema has action
 * groups, scopes cannot be resolved here, so there is one group with everything.
 */
function policiesByAction(policies: BundlePolicy[], schema: string): Map<string, BundlePolicy[]> {
  const groups = new Map<string, BundlePolicy[]>();
  const json = schemaToJson(schema);
  const hasActionGroups =
    json.type === 'failure' ||
    Object.values(json.json).some((namespace) =>
      Object.values(namespace.actions).some((action) => (action.memberOf ?? []).length > 0),
    );
  if (hasActionGroups) return groups;
  const everywhere: BundlePolicy[] = [];
  const named = new Map<BundlePolicy, string[]>();
  for (const policy of policies) {
    const answer = policyToJson(policy.text);
    const scope = answer.type === 'success' ? answer.json.action : { op: 'All' as const };
    const uids =
      scope.op === '==' && 'entity' in scope
        ? [scope.entity]
        : scope.op === 'in'
          ? 'entities' in scope
            ? scope.entities
            : [scope.entity]
          : undefined;
    if (uids === undefined) everywhere.push(policy);
    else
      named.set(
        policy,
        uids.map((uid) => ('__entity' in uid ? uid.__entity.id : uid.id)),
      );
  }
  for (const [policy, actions] of named) {
    for (const action of actions) groups.set(action, [...(groups.get(action) ?? []), policy]);
  }
  for (const [action, members] of groups) groups.set(action, [...members, ...everywhere]);
  groups.set('*', everywhere);
  return groups;
}

function splitPolicies(file: { name: string; text: string }, problems: string[]): BundlePolicy[] {
  const parts = policySetTextToParts(file.text);
  if (parts.type === 'failure') {
    for (const error of parts.errors) problems.push(describeCedarError(file.name, file.text, error));
    return [];
  }
  if (parts.policy_templates.length > 0) problems.push(`${file.name}: policy templates are not supported`);
  const located = parts.policies
    .map((text) => ({
      text,
      offset: Buffer.byteLength(file.text.slice(0, Math.max(0, file.text.indexOf(text)))),
    }))
    .sort((left, right) => left.offset - right.offset);
  const policies: BundlePolicy[] = [];
  for (const { text, offset } of located) {
    const line = lineAndColumn(file.text, offset).split(':')[0];
    const source = `${file.name}:${line}`;
    const json = policyToJson(text);
    if (json.type === 'failure') {
      for (const error of json.errors) problems.push(describeCedarError(source, text, error));
      continue;
    }
    const annotations = json.json.annotations ?? {};
    const effect = json.json.effect;
    if (effect === 'forbid' && annotations.ask !== undefined) {
      problems.push(`${source}: @ask is only meaningful on a permit policy (a forbid always denies)`);
    }
    policies.push({
      id: annotations.id ?? source,
      source,
      effect,
      ask: annotations.ask === undefined ? undefined : annotations.ask || 'a human must approve this call',
      reason: annotations.reason,
      text,
    });
  }
  return policies;
}

function parseEntities(source: PolicyBundleSource, problems: string[]): Map<string, EntityJson> {
  const entities = new Map<string, EntityJson>();
  if (source.entities === undefined) return entities;
  let raw: unknown;
  try {
    raw = JSON.parse(source.entities);
  } catch (error) {
    problems.push(`${ENTITIES_FILE}: not JSON (${(error as Error).message})`);
    return entities;
  }
  const parsed = EntitiesFile.safeParse(raw);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push(`${ENTITIES_FILE}: ${issue.path.join('.')}: ${issue.message}`);
    return entities;
  }
  const checked = checkParseEntities({ entities: parsed.data as EntityJson[], schema: source.schema });
  if (checked.type === 'failure') {
    for (const error of checked.errors) problems.push(`${ENTITIES_FILE}: ${error.message}`);
    return entities;
  }
  for (const entity of parsed.data) entities.set(entityKeyOf(entity as EntityJson), entity as EntityJson);
  return entities;
}

function entityKeyOf(entity: EntityJson): string {
  const uid = entity.uid as { type: string; id: string };
  return entityKey(uid.type, uid.id);
}

/** The key of an entity in `PolicyBundle.entities`: `Warden::Command::"git push"`. */
export function entityKey(type: string, id: string): string {
  return `${type}::${JSON.stringify(id)}`;
}

function invalid(message: string): UserError {
  return new UserError('policy-bundle-invalid', `invalid policy bundle:\n${message}`, {
    hint: 'run `warden policy check DIR` after fixing the bundle',
  });
}
