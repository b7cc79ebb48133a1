import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { extractTags } from './extract-tags.ts';
import type { FileTags } from './file-tags.ts';
import { languageOf } from './grammars.ts';

/**
 * What the cached tags were made by. Bump it whenever `extractTags` or a query in `queries/` changes
 * what it finds: every entry written before is then missed and rebuilt, never served stale.
 */
const TAGS_VERSION = 'warden-tags-3';

/** An entry on disk: definitions and references as tuples, which keeps a 100k-file cache small. */
const CacheEntry = z.object({
  version: z.literal(TAGS_VERSION),
  via: z.enum(['syntax', 'text', 'skipped']),
  definitions: z.array(
    z.tuple([z.string(), z.string(), z.number().int(), z.number().int(), z.string(), z.boolean()]),
  ),
  references: z.array(z.tuple([z.string(), z.number().int()])),
});
type CacheEntry = z.infer<typeof CacheEntry>;

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
  let parsed: ReturnType<typeof CacheEntry.safeParse>;
  try {
    parsed = CacheEntry.safeParse(JSON.parse(text));
  } catch {
    return undefined;
  }
  if (!parsed.success) return undefined;
  return {
    via: parsed.data.via,
    definitions: parsed.data.definitions.map(([name, kind, line, endLine, signature, local]) =>
      local ? { name, kind, line, endLine, signature, local } : { name, kind, line, endLine, signature },
    ),
    references: parsed.data.references.map(([name, line]) => ({ name, line })),
  };
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
