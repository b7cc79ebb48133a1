import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

/** What a git index records of one file when it was last known clean: its stat data and blob id. */
export interface IndexedFile {
  ctimeSeconds: number;
  ctimeNanoseconds: number;
  mtimeSeconds: number;
  mtimeNanoseconds: number;
  dev: number;
  ino: number;
  /** Git's mode: 0o100644, 0o100755 or 0o120000. */
  mode: number;
  size: number;
  objectId: string;
}

/** The part of a file's `lstat` ({@link import('node:fs').BigIntStats}) that git's stat data records. */
export interface FileStat {
  ctimeNs: bigint;
  mtimeNs: bigint;
  dev: bigint;
  ino: bigint;
  size: bigint;
}

const BILLION = 1_000_000_000n;
/** Git keeps the low 32 bits of each stat field. */
const low32 = (value: bigint) => Number(BigInt.asUintN(32, value));

/**
 * The entries of a git index (versions 2 and 3) whose stat data can vouch for a file, by path: stage-0
 * files and symbolic links, neither racy (changed in the second the index was written, when git itself
 * would look again) nor marked assume-unchanged or skip-worktree. Anything else — a missing or unreadable
 * index, version 4, a checksum that does not match — yields an empty map, so callers read every file.
 */
export async function readIndexedFiles(
  indexFile: string,
  format: 'sha1' | 'sha256',
): Promise<Map<string, IndexedFile>> {
  const files = new Map<string, IndexedFile>();
  const [data, info] = await Promise.all([readFile(indexFile), stat(indexFile, { bigint: true })]).catch(
    () => [null, null] as const,
  );
  if (!data || !info) return files;
  const idLength = format === 'sha256' ? 32 : 20;
  if (data.length < 12 + idLength || data.toString('latin1', 0, 4) !== 'DIRC') return files;
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return files;
  const body = data.subarray(0, data.length - idLength);
  if (
    !createHash(format)
      .update(body)
      .digest()
      .equals(data.subarray(data.length - idLength))
  )
    return files;
  const indexSeconds = Number(info.mtimeNs / BILLION);
  const count = data.readUInt32BE(8);
  let offset = 12;
  for (let entry = 0; entry < count; entry++) {
    const start = offset;
    if (start + 40 + idLength + 2 > body.length) return new Map();
    const flags = data.readUInt16BE(start + 40 + idLength);
    let nameStart = start + 40 + idLength + 2;
    let extended = 0;
    if (flags & 0x4000) {
      if (version < 3) return new Map();
      extended = data.readUInt16BE(nameStart);
      nameStart += 2;
    }
    const nameEnd = data.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd >= body.length) return new Map();
    // Each entry is padded with 1 to 8 NULs to a multiple of 8 bytes from its start.
    offset = start + Math.ceil((nameEnd - start + 1) / 8) * 8;
    const stage = (flags >> 12) & 0x3;
    const assumeUnchanged = flags & 0x8000;
    const skipWorktree = extended & 0x4000;
    const mtimeSeconds = data.readUInt32BE(start + 8);
    if (stage !== 0 || assumeUnchanged || skipWorktree || mtimeSeconds >= indexSeconds) continue;
    files.set(data.toString('utf8', nameStart, nameEnd), {
      ctimeSeconds: data.readUInt32BE(start),
      ctimeNanoseconds: data.readUInt32BE(start + 4),
      mtimeSeconds,
      mtimeNanoseconds: data.readUInt32BE(start + 12),
      dev: data.readUInt32BE(start + 16),
      ino: data.readUInt32BE(start + 20),
      mode: data.readUInt32BE(start + 24),
      size: data.readUInt32BE(start + 36),
      objectId: data.toString('hex', start + 40, start + 40 + idLength),
    });
  }
  return files;
}

/**
 * Whether `file` is, by its stat data, the very file the index recorded: same inode, size and change
 * time to the nanosecond. A process without the power to set the clock cannot write a file and keep
 * its ctime, so a match means the content is the recorded blob.
 */
export function matchesIndex(indexed: IndexedFile, file: FileStat): boolean {
  return (
    indexed.ctimeSeconds === low32(file.ctimeNs / BILLION) &&
    indexed.ctimeNanoseconds === Number(file.ctimeNs % BILLION) &&
    indexed.mtimeSeconds === low32(file.mtimeNs / BILLION) &&
    indexed.mtimeNanoseconds === Number(file.mtimeNs % BILLION) &&
    indexed.dev === low32(file.dev) &&
    indexed.ino === low32(file.ino) &&
    indexed.size === low32(file.size)
  );
}
