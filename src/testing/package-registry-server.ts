import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One published version of a fixture package. */
export interface FixtureVersion {
  publishedAt: Date;
  /** npm `scripts` of that version (`{ postinstall: 'node x.js' }`). */
  scripts?: Record<string, string>;
}

/** A package the test registry serves: its versions, the newest last (it becomes `latest`). */
export type FixturePackage = Record<string, FixtureVersion>;

export interface PackageRegistryFixtures {
  npm: Record<string, FixturePackage>;
  pypi: Record<string, FixturePackage>;
}

/** A local registry on 127.0.0.1 speaking npm's packument API and PyPI's JSON API. */
export interface PackageRegistryServer {
  /** `http://127.0.0.1:PORT`: the npm registry and the PyPI index both. */
  url: string;
  /** Request paths, in order. */
  hits: string[];
  /** The integrity the registry gives a version (`sha512-…`, derived from name and version). */
  integrityOf(name: string, version: string): string;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

/**
 * The fixtures the package-guard tests use, dated from `now`: lodash with old versions and one published
 * yesterday (its `latest`), requests likewise, `colorful-logger` whose newest (old enough) version gains
 * a postinstall, `native-thing` whose every version runs an install script, `expresss` (a young
 * near-name of express) and `colors` (a near-name of color with years of versions).
 */
export function packageRegistryFixtures(now: Date = new Date()): PackageRegistryFixtures {
  const daysAgo = (days: number) => new Date(now.getTime() - days * DAY_MS);
  return {
    npm: {
      lodash: {
        '4.17.20': { publishedAt: daysAgo(2000) },
        '4.17.21': { publishedAt: daysAgo(1500) },
        '4.17.22': { publishedAt: daysAgo(1) },
      },
      'colorful-logger': {
        '1.0.0': { publishedAt: daysAgo(400) },
        '1.1.0': { publishedAt: daysAgo(30), scripts: { postinstall: 'node collect.js' } },
      },
      // A near-name of `express` published weeks ago: a typosquat.
      expresss: { '1.0.0': { publishedAt: daysAgo(20) } },
      // A near-name of `color` with years of versions: a package of its own.
      colors: Object.fromEntries(
        [0, 1, 2, 3, 4, 5].map((minor) => [`1.${minor}.0`, { publishedAt: daysAgo(3000 - minor * 300) }]),
      ),
      'native-thing': {
        '2.0.0': { publishedAt: daysAgo(300), scripts: { install: 'node-gyp rebuild' } },
      },
    },
    pypi: {
      requests: {
        '2.31.0': { publishedAt: daysAgo(900) },
        '2.32.0': { publishedAt: daysAgo(1) },
      },
    },
  };
}

/** Starts the registry on an ephemeral port of 127.0.0.1. */
export async function startPackageRegistry(
  fixtures: PackageRegistryFixtures = packageRegistryFixtures(),
): Promise<PackageRegistryServer> {
  const hits: string[] = [];
  const integrityOf = (name: string, version: string) =>
    `sha512-${createHash('sha512').update(`${name}@${version}`).digest('base64')}`;
  const server = http.createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://registry').pathname);
    hits.push(path);
    const send = (status: number, body: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(JSON.stringify(body));
    };
    const pypi = /^\/pypi\/([^/]+)\/json$/.exec(path);
    if (pypi) {
      const name = (pypi[1] as string).toLowerCase().replace(/[-_.]+/g, '-');
      const found = fixtures.pypi[name];
      if (!found) return send(404, { message: 'Not Found' });
      const versions = Object.keys(found);
      return send(200, {
        info: { name, version: versions.at(-1) },
        releases: Object.fromEntries(
          Object.entries(found).map(([version, entry]) => [
            version,
            [
              {
                filename: `${name}-${version}.tar.gz`,
                upload_time_iso_8601: entry.publishedAt.toISOString(),
              },
            ],
          ]),
        ),
      });
    }
    const name = path.slice(1);
    const found = fixtures.npm[name];
    if (!found) return send(404, { error: 'Not found' });
    const versions = Object.keys(found);
    return send(200, {
      name,
      'dist-tags': { latest: versions.at(-1) },
      time: Object.fromEntries(
        Object.entries(found).map(([version, entry]) => [version, entry.publishedAt.toISOString()]),
      ),
      versions: Object.fromEntries(
        Object.entries(found).map(([version, entry]) => [
          version,
          {
            name,
            version,
            ...(entry.scripts ? { scripts: entry.scripts } : {}),
            dist: {
              integrity: integrityOf(name, version),
              tarball: `http://registry/${name}/-/${name}-${version}.tgz`,
            },
          },
        ]),
      ),
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    integrityOf,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
