import { z } from 'zod';

/** What `package-lock.json` says of one installed package. */
export interface LockedPackage {
  version: string;
  integrity: string | undefined;
  hasInstallScript: boolean;
}

const Entry = z.object({
  version: z.string().optional(),
  integrity: z.string().optional(),
  hasInstallScript: z.boolean().optional(),
});
const Lockfile = z.object({
  packages: z.record(z.string(), Entry).optional(),
  dependencies: z.record(z.string(), Entry).optional(),
});

/**
 * The top-level packages a `package-lock.json` pins, by name (lockfile v2/v3 `packages`, v1
 * `dependencies`: the top level is what `npm install NAME` replaces), and the names of every locked
 * package that has an install script (v2/v3 `hasInstallScript`, nested copies included); undefined
 * when the text is not a lockfile.
 */
export function readNpmLockfile(
  text: string,
): { pinned: Map<string, LockedPackage>; withInstallScripts: string[] } | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = Lockfile.safeParse(json);
  if (!parsed.success) return undefined;
  const locked = new Map<string, LockedPackage>();
  const withInstallScripts = new Set<string>();
  const add = (name: string, entry: z.infer<typeof Entry>) => {
    if (entry.version === undefined || locked.has(name)) return;
    locked.set(name, {
      version: entry.version,
      integrity: entry.integrity,
      hasInstallScript: entry.hasInstallScript ?? false,
    });
  };
  for (const [key, entry] of Object.entries(parsed.data.packages ?? {})) {
    const name = key.startsWith('node_modules/') ? key.slice('node_modules/'.length) : undefined;
    if (name !== undefined && !name.includes('/node_modules/')) add(name, entry);
    if (entry.hasInstallScript && key !== '')
      withInstallScripts.add(key.split('node_modules/').pop() as string);
  }
  for (const [name, entry] of Object.entries(parsed.data.dependencies ?? {})) add(name, entry);
  return { pinned: locked, withInstallScripts: [...withInstallScripts].sort() };
}
