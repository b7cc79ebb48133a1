import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Parser, Query } from 'web-tree-sitter';

/** The languages Warden parses with tree-sitter; every other file is tagged from its text. */
export type LanguageId = 'typescript' | 'tsx' | 'javascript' | 'python' | 'go' | 'rust' | 'java';

/** Where a language's grammar and tags queries come from. */
interface GrammarSource {
  /** The `.wasm` an npm package ships, as a path `require.resolve` understands. */
  wasm: string;
  /** The package's own tags queries, joined in this order (TypeScript extends JavaScript's). */
  queries: string[];
  /** Warden's additions in `src/context/queries/` (references the stock queries miss). */
  own: string;
}

const SOURCES: Record<LanguageId, GrammarSource> = {
  typescript: {
    wasm: 'tree-sitter-typescript/tree-sitter-typescript.wasm',
    queries: ['tree-sitter-typescript/queries/tags.scm', 'tree-sitter-javascript/queries/tags.scm'],
    own: 'typescript.scm',
  },
  tsx: {
    wasm: 'tree-sitter-typescript/tree-sitter-tsx.wasm',
    queries: ['tree-sitter-typescript/queries/tags.scm', 'tree-sitter-javascript/queries/tags.scm'],
    own: 'typescript.scm',
  },
  javascript: {
    wasm: 'tree-sitter-javascript/tree-sitter-javascript.wasm',
    queries: ['tree-sitter-javascript/queries/tags.scm'],
    own: 'javascript.scm',
  },
  python: {
    wasm: 'tree-sitter-python/tree-sitter-python.wasm',
    queries: ['tree-sitter-python/queries/tags.scm'],
    own: 'python.scm',
  },
  go: {
    wasm: 'tree-sitter-go/tree-sitter-go.wasm',
    queries: ['tree-sitter-go/queries/tags.scm'],
    own: 'go.scm',
  },
  rust: {
    wasm: 'tree-sitter-rust/tree-sitter-rust.wasm',
    queries: ['tree-sitter-rust/queries/tags.scm'],
    own: 'rust.scm',
  },
  java: {
    wasm: 'tree-sitter-java/tree-sitter-java.wasm',
    queries: ['tree-sitter-java/queries/tags.scm'],
    own: 'java.scm',
  },
};

const EXTENSIONS: Record<string, LanguageId> = {
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'tsx',
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascript',
  '.py': 'python',
  '.pyi': 'python',
  '.go': 'go',
  '.rs': 'rust',
  '.java': 'java',
};

/** The language a file is parsed as, by its extension; `undefined`: no grammar, tag it from its text. */
export function languageOf(file: string): LanguageId | undefined {
  const extension = path.extname(file).toLowerCase();
  return Object.hasOwn(EXTENSIONS, extension) ? EXTENSIONS[extension] : undefined;
}

/** A loaded language: a parser set to it and its compiled tags query. */
export interface Grammar {
  language: LanguageId;
  parser: Parser;
  query: Query;
}

/** Languages loaded on first use, each once. */
export interface Grammars {
  /**
   * The grammar for `language`, loaded on the first call. `undefined` when its `.wasm` or query cannot
   * be loaded (a missing or incompatible package): the caller tags the file from its text, and
   * `unavailable()` says why. Never throws.
   */
  load(language: LanguageId): Promise<Grammar | undefined>;
  /** Languages whose grammar failed to load, with the reason. */
  unavailable(): ReadonlyMap<LanguageId, string>;
}

/**
 * A registry of tree-sitter grammars from the npm packages that ship their `.wasm` (nothing is
 * downloaded): `web-tree-sitter` and a grammar are loaded only when a file of that language is first
 * tagged. Nothing is loaded when it is created.
 */
export function createGrammars(): Grammars {
  const loading = new Map<LanguageId, Promise<Grammar | undefined>>();
  const failures = new Map<LanguageId, string>();
  const load = async (language: LanguageId): Promise<Grammar | undefined> => {
    try {
      const { Language, Parser, Query } = await import('web-tree-sitter');
      await Parser.init();
      const require = createRequire(import.meta.url);
      const source = SOURCES[language];
      const grammar = await Language.load(require.resolve(source.wasm));
      const texts = await Promise.all([
        ...source.queries.map((query) => readFile(require.resolve(query), 'utf8')),
        readFile(fileURLToPath(new URL(`./queries/${source.own}`, import.meta.url)), 'utf8'),
      ]);
      const parser = new Parser();
      parser.setLanguage(grammar);
      return { language, parser, query: new Query(grammar, texts.join('\n')) };
    } catch (error) {
      failures.set(language, error instanceof Error ? error.message : String(error));
      return undefined;
    }
  };
  return {
    load(language) {
      let pending = loading.get(language);
      if (pending === undefined) {
        pending = load(language);
        loading.set(language, pending);
      }
      return pending;
    },
    unavailable: () => failures,
  };
}
