import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { extractTags } from './extract-tags.ts';
import type { FileTags } from './file-tags.ts';
import { languageOf } from './grammars.ts';

/**
 * What the cached tags were made by. Bump it whenever `extractTags` or a query in `queries/` changes
 * what it finds: every entry written before is then missed and rebuilt, never served stale.
 */
const TAGS_VERSION = 'warden-tags-3';

/** An entry on disk: definitions and references as tuples, which keeps a 100k-file cache small. */
interface CacheEntry {
  version: typeof TAGS_VERSION;
  via: FileTags['via'];
  /** name, kind, line, end line, signature, local */
  definitions: Array<[string, string, number, number, string, boolean]>;
  /** name, line */
  references: Array<[string, number]>;
}

/** The tags of one file, and whether they came from the cache (`false`: the file was parsed). */
export interface CachedTags {
  tags: FileTags;
  cached: boolean;
}

/** Tags by content: a file whose bytes did not change is never parsed again. */
export interface TagCache {
  /**
   * The tags of `content`, the bytes of the file at `file` (its extension picks the grammar). Served
   * from the cache when the same bytes were tagged as the same language before; otherwise extracted
   * and stored. Never throws: an unreadable or corrupt entry is rebuilt, and a failed write only costs
   * a parse next time.
   */
  tags(file: string, content: Uint8Array): Promise<CachedTags>;
}

export interface TagCacheSettings {
  /** The cache directory (created when missing), e.g. `<dataDir>/cache/context/`; `undefined`: no cache. */
  dir: string | undefined;
  /** How a file is tagged on a miss; default `extractTags`. */
  extract?: (file: string, content: Uint8Array) => Promise<FileTags>;
}

/**
 * A cache of `FileTags` on disk, one small JSON file per distinct content, keyed by the SHA-1 of the
 * bytes, the language and `TAGS_VERSION` and sharded by the key's first two hex digits. Nothing is read
 * or written when it is created.
 */
export function createTagCache(settings: TagCacheSettings): TagCache {
  const extract = settings.extract ?? ((file, content) => extractTags(file, content));
  const dir = settings.dir;
  return {
    async tags(file, content) {
      if (dir === undefined) return { tags: await extract(file, content), cached: false };
      const key = createHash('sha1')
        .update(`${TAGS_VERSION}\0${languageOf(file) ?? 'text'}\0`)
        .update(content)
        .digest('hex');
      const entryPath = path.join(dir, key.slice(0, 2), `${key.slice(2)}.json`);
      const stored = await readEntry(entryPath);
      if (stored !== undefined) return { tags: stored, cached: true };
      const tags = await extract(file, content);
      await writeEntry(entryPath, tags);
      return { tags, cached: false };
    },
  };
}

async function readEntry(entryPath: string): Promise<FileTags | undefined> {
  let text: string;
  try {
    text = await readFile(entryPath, 'utf8');
  } catch {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  // Checked by hand, every field of every tuple, rather than by a schema: a file's thousands of
  // references through zod cost more than reading them.
  if (!isCacheEntry(value)) return undefined;
  return {
    via: value.via,
    definitions: value.definitions.map(([name, kind, line, endLine, signature, local]) =>
      local ? { name, kind, line, endLine, signature, local } : { name, kind, line, endLine, signature },
    ),
    references: value.references.map(([name, line]) => ({ name, line })),
  };
}

function isCacheEntry(value: unknown): value is CacheEntry {
  if (typeof value !== 'object' || value === null) return false;
  const entry = value as Record<string, unknown>;
  if (entry.version !== TAGS_VERSION) return false;
  if (entry.via !== 'syntax' && entry.via !== 'text' && entry.via !== 'skipped') return false;
  const { definitions, references } = entry;
  if (!Array.isArray(definitions) || !Array.isArray(references)) return false;
  for (const definition of definitions) {
    if (
      !Array.isArray(definition) ||
      definition.length !== 6 ||
      typeof definition[0] !== 'string' ||
      typeof definition[1] !== 'string' ||
      !Number.isSafeInteger(definition[2]) ||
      !Number.isSafeInteger(definition[3]) ||
      typeof definition[4] !== 'string' ||
      typeof definition[5] !== 'boolean'
    ) {
      return false;
    }
  }
  for (const reference of references) {
    if (
      !Array.isArray(reference) ||
      reference.length !== 2 ||
      typeof reference[0] !== 'string' ||
      !Number.isSafeInteger(reference[1])
    ) {
      return false;
    }
  }
  return true;
}

async function writeEntry(entryPath: string, tags: FileTags): Promise<void> {
  const entry: CacheEntry = {
    version: TAGS_VERSION,
    via: tags.via,
    definitions: tags.definitions.map((tag) => [
      tag.name,
      tag.kind,
      tag.line,
      tag.endLine,
      tag.signature,
      tag.local === true,
    ]),
    references: tags.references.map((tag) => [tag.name, tag.line]),
  };
  // Written aside and renamed into place: a reader never sees half an entry, and two processes that
  // tag the same content write the same bytes.
  const temporary = `${entryPath}.${randomUUID()}.tmp`;
  try {
    await mkdir(path.dirname(entryPath), { recursive: true });
    await writeFile(temporary, JSON.stringify(entry));
    await rename(temporary, entryPath);
  } catch {
    await rm(temporary, { force: true }).catch(() => undefined);
  }
}
