import { z } from 'zod';
import { SystemError } from '../../spec/errors.ts';
import type { PackageEcosystem } from './parse-installs.ts';

/** One published version, as far as its registry says. */
export interface VersionRecord {
  /** When it was published; undefined: the registry does not say. */
  publishedAt: Date | undefined;
  /** Its install-time scripts (`preinstall`, `install`, `postinstall`; npm only). */
  installScripts: string[];
  /** The registry's integrity of its tarball (`sha512-…`; npm only). */
  integrity?: string | undefined;
}

/** What a registry knows of one package. */
export interface PackageRecord {
  ecosystem: PackageEcosystem;
  name: string;
  /** The version an install without one takes; undefined: none is published. */
  latest: string | undefined;
  /** npm's dist-tags (`latest`, `next`...). */
  tags: Readonly<Record<string, string>>;
  versions: ReadonlyMap<string, VersionRecord>;
}

/** Looks packages up on their registries. A test double implements the same and records the names. */
export interface RegistryClient {
  /**
   * The package, or `undefined` when the registry says there is no such package (404). `version` is
   * a hint for registries that answer per version (the Go module proxy).
   *
   * @throws SystemError `registry-unreachable` when the registry cannot be reached or answers
   *   anything else; `registry-reply-invalid` when its answer is not what its API documents.
   */
  lookup(ecosystem: PackageEcosystem, name: string, version?: string): Promise<PackageRecord | undefined>;
}

/** Base URLs of the registries. */
export interface RegistryUrls {
  /** npm registry: `GET {npm}/{name}`. */
  npm: string;
  /** PyPI: `GET {pypi}/pypi/{name}/json`. */
  pypi: string;
  /** crates.io: `GET {crates}/api/v1/crates/{name}`. */
  crates: string;
  /** Go module proxy: `GET {go}/{module}/@v/{version}.info`, `@latest`. */
  go: string;
}

export const PUBLIC_REGISTRIES: Readonly<RegistryUrls> = {
  npm: 'https://registry.npmjs.org',
  pypi: 'https://pypi.org',
  crates: 'https://crates.io',
  go: 'https://proxy.golang.org',
};

export interface RegistryClientSettings {
  registries: RegistryUrls;
  /** Milliseconds one request may take (default 10 000). */
  timeoutMs?: number;
  /** Default the global `fetch`. */
  fetch?: typeof fetch;
}

const NpmPackument = z.object({
  name: z.string(),
  'dist-tags': z.record(z.string(), z.string()).default({}),
  time: z.record(z.string(), z.string()).default({}),
  versions: z
    .record(
      z.string(),
      z.object({
        scripts: z.record(z.string(), z.unknown()).optional(),
        hasInstallScript: z.boolean().optional(),
        dist: z.object({ integrity: z.string().optional() }).optional(),
      }),
    )
    .default({}),
});

const PypiProject = z.object({
  info: z.object({ name: z.string(), version: z.string() }),
  releases: z
    .record(z.string(), z.array(z.object({ upload_time_iso_8601: z.string().optional() })))
    .default({}),
});

const CratesCrate = z.object({
  crate: z.object({
    name: z.string(),
    max_stable_version: z.string().nullable().optional(),
    max_version: z.string(),
  }),
  versions: z.array(z.object({ num: z.string(), created_at: z.string(), yanked: z.boolean().optional() })),
});

const GoInfo = z.object({ Version: z.string(), Time: z.string().optional() });

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

/**
 * A client of the registries' JSON APIs: npm's packument (times, scripts, integrity), PyPI's JSON API
 * (release upload times), crates.io's API (version dates) and the Go module proxy (`.info`: version and
 * time). No I/O until `lookup`. A 404 (or the proxy's 410) means no such package; anything else that is
 * not a 200 is `registry-unreachable`, so the guard fails closed.
 */
export function createRegistryClient(settings: RegistryClientSettings): RegistryClient {
  const fetcher = settings.fetch ?? fetch;
  const timeoutMs = settings.timeoutMs ?? 10_000;
  const get = async (url: string): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetcher(url, {
        headers: { accept: 'application/json', 'user-agent': 'warden-package-guard' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw new SystemError('registry-unreachable', `cannot reach ${new URL(url).origin}`, {
        cause: error,
        isRetryable: true,
      });
    }
    if (response.status === 404 || response.status === 410) {
      await response.body?.cancel();
      return undefined;
    }
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new SystemError('registry-unreachable', `${new URL(url).origin} answered ${response.status}`, {
        isRetryable: response.status >= 500 || response.status === 429,
      });
    }
    const text = await response.text();
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new SystemError('registry-reply-invalid', `${new URL(url).origin} answered with no JSON`, {
        cause: error,
      });
    }
  };
  const parse = <T>(schema: z.ZodType<T>, body: unknown, what: string): T => {
    const parsed = schema.safeParse(body);
    if (!parsed.success)
      throw new SystemError(
        'registry-reply-invalid',
        `the registry's answer for ${what} is not as documented`,
        {
          cause: parsed.error,
        },
      );
    return parsed.data;
  };
  const base = (url: string) => url.replace(/\/+$/, '');

  return {
    async lookup(ecosystem, name, version) {
      switch (ecosystem) {
        case 'npm': {
          const body = await get(`${base(settings.registries.npm)}/${name.replace('/', '%2f')}`);
          if (body === undefined) return undefined;
          const packument = parse(NpmPackument, body, name);
          const versions = new Map<string, VersionRecord>();
          for (const [number, manifest] of Object.entries(packument.versions)) {
            const scripts = INSTALL_SCRIPTS.filter((script) => manifest.scripts?.[script] !== undefined);
            if (scripts.length === 0 && manifest.hasInstallScript) scripts.push('install');
            versions.set(number, {
              publishedAt: dateOf(packument.time[number]),
              installScripts: scripts,
              integrity: manifest.dist?.integrity,
            });
          }
          const tags = packument['dist-tags'];
          return { ecosystem, name: packument.name, latest: tags.latest, tags, versions };
        }
        case 'pypi': {
          const body = await get(`${base(settings.registries.pypi)}/pypi/${encodeURIComponent(name)}/json`);
          if (body === undefined) return undefined;
          const project = parse(PypiProject, body, name);
          const versions = new Map<string, VersionRecord>();
          for (const [number, files] of Object.entries(project.releases)) {
            const times = files
              .map((file) => dateOf(file.upload_time_iso_8601)?.getTime())
              .filter((time): time is number => time !== undefined);
            versions.set(number, {
              publishedAt: times.length === 0 ? undefined : new Date(Math.min(...times)),
              installScripts: [],
            });
          }
          return { ecosystem, name: project.info.name, latest: project.info.version, tags: {}, versions };
        }
        case 'crates': {
          const body = await get(
            `${base(settings.registries.crates)}/api/v1/crates/${encodeURIComponent(name)}`,
          );
          if (body === undefined) return undefined;
          const crate = parse(CratesCrate, body, name);
          const versions = new Map<string, VersionRecord>();
          for (const entry of crate.versions) {
            if (entry.yanked) continue;
            versions.set(entry.num, { publishedAt: dateOf(entry.created_at), installScripts: [] });
          }
          const latest = crate.crate.max_stable_version ?? crate.crate.max_version;
          return { ecosystem, name: crate.crate.name, latest, tags: {}, versions };
        }
        case 'go': {
          // The proxy answers per module path; a package path inside a module is tried upwards.
          const segments = name.split('/');
          for (let length = segments.length; length >= Math.min(3, segments.length); length--) {
            const module = segments.slice(0, length).join('/');
            const escaped = module.replace(/[A-Z]/g, (letter) => `!${letter.toLowerCase()}`);
            const exact = version !== undefined && /^v\d+\.\d+\.\d+/.test(version);
            const body = await get(
              `${base(settings.registries.go)}/${escaped}/${exact ? `@v/${version}.info` : '@latest'}`,
            );
            if (body === undefined) continue;
            const info = parse(GoInfo, body, module);
            const versions = new Map([
              [info.Version, { publishedAt: dateOf(info.Time), installScripts: [] }],
            ]);
            return { ecosystem, name: module, latest: info.Version, tags: {}, versions };
          }
          return undefined;
        }
      }
    },
  };
}

function dateOf(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
