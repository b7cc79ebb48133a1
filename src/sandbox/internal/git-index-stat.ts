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

/** One entry of a git index as {@link indexEntries} reads it. */
export interface IndexEntry extends IndexedFile {
  /** Where the entry starts in the index file: its stat data are the 40 bytes from there. */
  offset: number;
  path: string;
  stage: number;
  /** Marked assume-unchanged or skip-worktree: its stat data say nothing of the file. */
  unchecked: boolean;
}

/**
 * The entries of a git index file (versions 2 and 3) whose trailing checksum holds, in the repository's
 * hash; `null` for anything else (version 4, a checksum that does not match, an entry that runs past
 * the end), which callers treat as knowing nothing.
 */
export function indexEntries(data: Buffer, format: 'sha1' | 'sha256'): IndexEntry[] | null {
  const idLength = format === 'sha256' ? 32 : 20;
  if (data.length < 12 + idLength || data.toString('latin1', 0, 4) !== 'DIRC') return null;
  const version = data.readUInt32BE(4);
  if (version !== 2 && version !== 3) return null;
  const body = data.subarray(0, data.length - idLength);
  if (
    !createHash(format)
      .update(body)
      .digest()
      .equals(data.subarray(data.length - idLength))
  )
    return null;
  const entries: IndexEntry[] = [];
  const count = data.readUInt32BE(8);
  let offset = 12;
  for (let entry = 0; entry < count; entry++) {
    const start = offset;
    if (start + 40 + idLength + 2 > body.length) return null;
    const flags = data.readUInt16BE(start + 40 + idLength);
    let nameStart = start + 40 + idLength + 2;
    let extended = 0;
    if (flags & 0x4000) {
      if (version < 3) return null;
      extended = data.readUInt16BE(nameStart);
      nameStart += 2;
    }
    const nameEnd = data.indexOf(0, nameStart);
    if (nameEnd < 0 || nameEnd >= body.length) return null;
    // Each entry is padded with 1 to 8 NULs to a multiple of 8 bytes from its start.
    offset = start + Math.ceil((nameEnd - start + 1) / 8) * 8;
    entries.push({
      offset: start,
      path: data.toString('utf8', nameStart, nameEnd),
      stage: (flags >> 12) & 0x3,
      unchecked: (flags & 0x8000) !== 0 || (extended & 0x4000) !== 0,
      ctimeSeconds: data.readUInt32BE(start),
      ctimeNanoseconds: data.readUInt32BE(start + 4),
      mtimeSeconds: data.readUInt32BE(start + 8),
      mtimeNanoseconds: data.readUInt32BE(start + 12),
      dev: data.readUInt32BE(start + 16),
      ino: data.readUInt32BE(start + 20),
      mode: data.readUInt32BE(start + 24),
      size: data.readUInt32BE(start + 36),
      objectId: data.toString('hex', start + 40, start + 40 + idLength),
    });
  }
  return entries;
}

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
  const indexSeconds = Number(info.mtimeNs / BILLION);
  for (const entry of indexEntries(data, format) ?? []) {
    if (entry.stage !== 0 || entry.unchecked || entry.mtimeSeconds >= indexSeconds) continue;
    const { offset: _offset, path: name, stage: _stage, unchecked: _unchecked, ...file } = entry;
    files.set(name, file);
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

/**
 * Writes `file`'s change and modification times into the stat data of the index entry at `offset` (see
 * {@link IndexEntry}); the caller then writes the index's checksum anew.
 */
export function writeEntryTimes(data: Buffer, offset: number, file: FileStat): void {
  data.writeUInt32BE(low32(file.ctimeNs / BILLION), offset);
  data.writeUInt32BE(Number(file.ctimeNs % BILLION), offset + 4);
  data.writeUInt32BE(low32(file.mtimeNs / BILLION), offset + 8);
  data.writeUInt32BE(Number(file.mtimeNs % BILLION), offset + 12);
}
