import { posix } from 'node:path';
import { describeError } from '../../spec/errors.ts';
import { readNpmLockfile } from './internal/npm-lockfile.ts';
import { newestSatisfying } from './internal/npm-range.ts';
import type { InstallCommand, PackageEcosystem, PackageSpec } from './parse-installs.ts';
import { pipSpec } from './parse-installs.ts';
import { normalName, type PopularNames, typoLimit } from './popular-names.ts';
import type { PackageRecord, RegistryClient } from './registry-client.ts';

/** Which check spoke. */
export type PackageCheck =
  | 'exists'
  | 'typosquat'
  | 'age'
  | 'install-script-added'
  | 'install-scripts-off'
  | 'integrity'
  | 'registry-unreachable'
  | 'unjudged'
  | 'passed';

/** The guard's word on one package (or on a whole command, for what is not a package). */
export interface PackageVerdict {
  decision: 'allow' | 'deny';
  check: PackageCheck;
  /** One line for the model and the journal: `npm install lodahs: no such package …; did you mean lodash?` */
  reason: string;
  ecosystem: PackageEcosystem;
  /** The package as named; undefined for a verdict on the whole command. */
  name?: string | undefined;
  /** The version the install would take, when known. */
  version?: string | undefined;
  /** The likely intended name, or a version that passes. */
  suggestion?: string | undefined;
}

/** The part of the task's workspace view the guard reads (lockfiles, requirement files). */
export interface GuardWorkspace {
  /** The file's bytes; throws when it is missing or leaves the workspace. */
  read(path: string): Promise<Buffer>;
}

export interface PackageGuardSettings {
  registry: RegistryClient;
  popular: PopularNames;
  /** Days a version must have been published before it may be installed. */
  minAgeDays: number;
  /** Install scripts may run (the agent allows them); otherwise an install that would run one needs `--ignore-scripts`. */
  allowScripts: boolean;
  /** A registry that cannot be reached lets the install pass (default false: refused). */
  failOpen: boolean;
  /** Names (`npm:left-pad`, or a bare name for every ecosystem) the operator vouches for: no typosquat check. */
  allow?: readonly string[];
  /** Default: the clock. */
  now?: () => Date;
}

/** Checks installs against their registries; one per task run, caching what it looked up. */
export interface PackageGuard {
  /** The verdicts on every package the commands install; a deny among them refuses the command line. */
  check(installs: readonly InstallCommand[], workspace: GuardWorkspace): Promise<PackageVerdict[]>;
}

const REGISTRY_NAMES: Record<PackageEcosystem, string> = {
  npm: 'the npm registry',
  pypi: 'PyPI',
  crates: 'crates.io',
  go: 'the Go module proxy',
};

const DAY_MS = 86_400_000;
/**
 * A near-name of a popular package that has this many versions, the first published this long ago, is
 * taken for a package of its own (`preact`, `colors`, `scapy`), not a typosquat: typosquats are young
 * and thin. One that is not is refused.
 */
const ESTABLISHED_VERSIONS = 5;
const ESTABLISHED_DAYS = 365;

/** Nested `-r` files followed at most this deep. */
const MAX_REQUIREMENT_DEPTH = 3;

/**
 * The package guard: before an install runs, each named package must exist on its registry, not be a
 * near-name of a popular package (typosquat), be at least `minAgeDays` old in the version the install
 * takes, and (npm) not have gained an install script since the version `package-lock.json` pins, whose
 * integrity must match the registry's; an install that would run an install script needs
 * `--ignore-scripts` unless scripts are allowed. Lookups are cached for the guard's life (one task);
 * failed lookups are not. Fails closed: an unreachable registry refuses, unless `failOpen`.
 */
export function createPackageGuard(settings: PackageGuardSettings): PackageGuard {
  const now = settings.now ?? (() => new Date());
  const lookups = new Map<string, Promise<PackageRecord | undefined>>();
  const allowed = new Set(settings.allow ?? []);
  const lookup = (ecosystem: PackageEcosystem, name: string, version?: string) => {
    const key = `${ecosystem}\0${normalName(ecosystem, name)}\0${ecosystem === 'go' ? (version ?? '') : ''}`;
    let found = lookups.get(key);
    if (found === undefined) {
      found = settings.registry.lookup(ecosystem, name, version);
      lookups.set(key, found);
      found.catch(() => lookups.delete(key));
    }
    return found;
  };

  const checkPackage = async (
    install: InstallCommand,
    spec: PackageSpec,
    lockfile: Lockfile | undefined,
  ): Promise<PackageVerdict> => {
    const { ecosystem, name } = spec;
    const said = `${install.manager} ${install.runs ? 'run of' : 'install'} ${name}${spec.version ? ` ${spec.version}` : ''}`;
    const verdict = (
      decision: 'allow' | 'deny',
      check: PackageCheck,
      text: string,
      extra: Partial<PackageVerdict> = {},
    ): PackageVerdict => ({ decision, check, reason: `${said}: ${text}`, ecosystem, name, ...extra });
    const vouched = allowed.has(name) || allowed.has(`${ecosystem}:${name}`);
    const squatted =
      vouched || settings.popular.has(ecosystem, name)
        ? undefined
        : settings.popular.nearest(ecosystem, name, typoLimit(normalName(ecosystem, name)));
    const typosquat = (extra: string) =>
      verdict(
        'deny',
        'typosquat',
        `looks like a typosquat of ${squatted} (a popular package)${extra}; did you mean ${squatted}?`,
        { suggestion: squatted },
      );
    let record: PackageRecord | undefined;
    try {
      record = await lookup(ecosystem, name, spec.version);
    } catch (error) {
      if (squatted !== undefined) return typosquat('');
      const text = `${REGISTRY_NAMES[ecosystem]} cannot be reached to check it (${describeError(error)})`;
      return settings.failOpen
        ? verdict('allow', 'registry-unreachable', `${text}; allowed because packages.failOpen is set`)
        : verdict('deny', 'registry-unreachable', `${text}; refused until it can be checked`);
    }
    if (record === undefined) {
      const near =
        squatted ?? settings.popular.nearest(ecosystem, name, Math.max(2, Math.ceil(name.length / 3)));
      return verdict(
        'deny',
        'exists',
        `no such package on ${REGISTRY_NAMES[ecosystem]}${near ? `; did you mean ${near}?` : ''}`,
        { suggestion: near },
      );
    }
    if (squatted !== undefined && !established(record, now().getTime()))
      return typosquat(
        ` and is not itself a popular package (fewer than ${ESTABLISHED_VERSIONS} versions, or first published within ${ESTABLISHED_DAYS} days)`,
      );
    const version = resolveVersion(record, spec);
    if (version === undefined)
      return verdict('deny', 'exists', `no published version matches ${spec.version}`, {
        suggestion: record.latest,
      });
    const published = record.versions.get(version)?.publishedAt;
    const minAgeMs = settings.minAgeDays * DAY_MS;
    if (minAgeMs > 0 && (published === undefined || now().getTime() - published.getTime() < minAgeMs)) {
      const older = olderVersion(record, now().getTime() - minAgeMs);
      const suggestion = older === undefined ? undefined : pin(ecosystem, record.name, older);
      const when =
        published === undefined
          ? `${REGISTRY_NAMES[ecosystem]} gives no publish time for ${version}`
          : `${version} was published ${ageText(now().getTime() - published.getTime())} ago (${published.toISOString().slice(0, 10)})`;
      return verdict(
        'deny',
        'age',
        `${when}; versions younger than ${settings.minAgeDays} days (packages.minAgeDays) are refused${suggestion ? `: pin an older one, e.g. ${suggestion}` : ''}`,
        { version, suggestion },
      );
    }
    if (ecosystem === 'npm') {
      const scripts = record.versions.get(version)?.installScripts ?? [];
      const locked = lockfile?.pinned.get(record.name);
      if (locked !== undefined && !install.runs) {
        const lockedRecord = record.versions.get(locked.version);
        const registryIntegrity = lockedRecord?.integrity;
        if (
          locked.integrity !== undefined &&
          registryIntegrity !== undefined &&
          locked.integrity !== registryIntegrity
        )
          return verdict(
            'deny',
            'integrity',
            `${lockfile?.path} pins ${record.name}@${locked.version} with integrity ${locked.integrity.slice(0, 20)}…, but the registry serves ${registryIntegrity.slice(0, 20)}… for it`,
            { version },
          );
        const before = lockedRecord?.installScripts ?? [];
        const gained = scripts.filter((script) => !before.includes(script));
        if (
          lockedRecord !== undefined &&
          version !== locked.version &&
          before.length === 0 &&
          gained.length > 0
        )
          return verdict(
            'deny',
            'install-script-added',
            `${version} adds an install script (${gained.join(', ')}) that ${locked.version}, pinned in ${lockfile?.path}, did not have; keep ${record.name}@${locked.version}`,
            { version, suggestion: `${record.name}@${locked.version}` },
          );
      }
      if (scripts.length > 0 && !settings.allowScripts && !install.ignoresScripts && !install.runs)
        return verdict(
          'deny',
          'install-scripts-off',
          `${version} runs an install script (${scripts.join(', ')}) and install scripts are off for this agent: add --ignore-scripts (or allow them with agent.installScripts)`,
          { version },
        );
    }
    return verdict(
      'allow',
      'passed',
      `${record.name}@${version} exists on ${REGISTRY_NAMES[ecosystem]}${published ? `, published ${ageText(now().getTime() - published.getTime())} ago` : ''}`,
      { version },
    );
  };

  const readLockfile = async (install: InstallCommand, workspace: GuardWorkspace) => {
    const path = posix.join(install.cwd, 'package-lock.json');
    try {
      const parsed = readNpmLockfile((await workspace.read(path)).toString('utf8'));
      return parsed && { ...parsed, path };
    } catch {
      return undefined;
    }
  };

  /** The packages of requirement files, followed through nested `-r`; what cannot be read is unjudged. */
  const requirements = async (install: InstallCommand, workspace: GuardWorkspace) => {
    const packages: PackageSpec[] = [];
    const unjudged: string[] = [];
    const visit = async (file: string, depth: number): Promise<void> => {
      let text: string;
      try {
        text = (await workspace.read(posix.join(install.cwd, file))).toString('utf8');
      } catch (error) {
        unjudged.push(`${file} (cannot be read: ${describeError(error)})`);
        return;
      }
      for (const raw of text.split('\n')) {
        const line = raw.replace(/(^|\s)#.*$/, '').trim();
        if (line === '') continue;
        const nested = /^(-r|--requirement|-c|--constraint)[=\s]+(\S+)$/.exec(line);
        if (nested && depth < MAX_REQUIREMENT_DEPTH) {
          await visit(posix.join(posix.dirname(file), nested[2] as string), depth + 1);
          continue;
        }
        const spec = line.startsWith('-') ? undefined : pipSpec(line.replace(/\s--hash[=\s]\S+/g, ''));
        if (spec === undefined) unjudged.push(`${file}: ${line}`);
        else if (spec.name !== '') packages.push(spec);
      }
    };
    for (const file of install.requirementFiles) await visit(file, 0);
    return { packages, unjudged };
  };

  return {
    async check(installs, workspace) {
      const verdicts: PackageVerdict[] = [];
      for (const install of installs) {
        const whole = (check: PackageCheck, text: string): PackageVerdict => ({
          decision: 'deny',
          check,
          reason: `\`${install.line}\`: ${text}`,
          ecosystem: install.ecosystem,
        });
        const fromFiles = await requirements(install, workspace);
        for (const item of [...install.unjudged, ...fromFiles.unjudged])
          verdicts.push(
            whole(
              'unjudged',
              `the package guard cannot check ${item}; install packages by name from the configured registry`,
            ),
          );
        const lockfile =
          install.ecosystem === 'npm' && install.manager !== 'yarn' && install.manager !== 'pnpm'
            ? await readLockfile(install, workspace)
            : undefined;
        if (install.fromLockfile && !settings.allowScripts && !install.ignoresScripts && lockfile) {
          const scripted = lockfile.withInstallScripts;
          if (scripted.length > 0)
            verdicts.push(
              whole(
                'install-scripts-off',
                `${lockfile.path} holds packages with install scripts (${scripted.slice(0, 5).join(', ')}${scripted.length > 5 ? ', …' : ''}) and install scripts are off for this agent: add --ignore-scripts (or allow them with agent.installScripts)`,
              ),
            );
        }
        const specs = [...install.packages, ...fromFiles.packages];
        verdicts.push(...(await Promise.all(specs.map((spec) => checkPackage(install, spec, lockfile)))));
      }
      return verdicts;
    },
  };
}

type Lockfile = NonNullable<ReturnType<typeof readNpmLockfile>> & { path: string };

/** The version an install of `spec` takes: npm tags, exact versions and ranges; PyPI `==`; else the newest. */
function resolveVersion(record: PackageRecord, spec: PackageSpec): string | undefined {
  const wanted = spec.version?.trim();
  if (wanted === undefined || wanted === '' || wanted === 'latest') return record.latest;
  if (record.versions.has(wanted)) return wanted;
  switch (spec.ecosystem) {
    case 'npm':
      return record.tags[wanted] ?? newestSatisfying(record.versions.keys(), wanted);
    case 'pypi': {
      const exact = /^===?\s*([^,\s]+)$/.exec(wanted)?.[1];
      if (exact !== undefined) return record.versions.has(exact) ? exact : undefined;
      // Any other specifier: judged by the newest release, which `>=`/`~=` would take (conservative for `<`).
      return record.latest;
    }
    case 'crates': {
      const exact = /^=\s*(\S+)$/.exec(wanted)?.[1];
      if (exact !== undefined) return record.versions.has(exact) ? exact : undefined;
      return newestSatisfying(record.versions.keys(), /^[\d.]+$/.test(wanted) ? `^${wanted}` : wanted);
    }
    case 'go':
      return record.latest;
  }
}

/** Whether the package has a history of its own: enough versions, the first long enough ago. */
function established(record: PackageRecord, now: number): boolean {
  if (record.versions.size < ESTABLISHED_VERSIONS) return false;
  let first = Number.POSITIVE_INFINITY;
  for (const entry of record.versions.values())
    first = Math.min(first, entry.publishedAt?.getTime() ?? first);
  return now - first >= ESTABLISHED_DAYS * DAY_MS;
}

/** The newest version published before `before` (ms), skipping prereleases. */
function olderVersion(record: PackageRecord, before: number): string | undefined {
  let best: { version: string; at: number } | undefined;
  for (const [version, entry] of record.versions) {
    const at = entry.publishedAt?.getTime();
    if (at === undefined || at > before || /-|[a-z]/i.test(version.replace(/^v/, ''))) continue;
    if (best === undefined || at > best.at) best = { version, at };
  }
  return best?.version;
}

function pin(ecosystem: PackageEcosystem, name: string, version: string): string {
  return ecosystem === 'pypi' ? `${name}==${version}` : `${name}@${version}`;
}

function ageText(ms: number): string {
  const days = Math.floor(ms / DAY_MS);
  if (days >= 1) return `${days} day${days === 1 ? '' : 's'}`;
  const hours = Math.floor(ms / 3_600_000);
  return `${hours} hour${hours === 1 ? '' : 's'}`;
}
