import { fileURLToPath } from 'node:url';

/** The directory of the default bundle that ships with Warden (`policies/default`). */
export function defaultBundleDir(): string {
  return fileURLToPath(new URL('../../policies/default/', import.meta.url));
}
