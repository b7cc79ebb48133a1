export { type Bm25Field, type Bm25Hit, Bm25Index, type Bm25Options, pathTokens, tokenize } from './bm25.ts';
export { type ExtractTagsOptions, extractTags } from './extract-tags.ts';
export {
  DEFAULT_TAG_LIMITS,
  type FileTags,
  type TagDefinition,
  type TagLimits,
  type TagReference,
  type TagSource,
} from './file-tags.ts';
export { type FirstLookOptions, firstLook, firstLookWith, type RankedFile } from './first-look.ts';
export { createGrammars, type Grammar, type Grammars, type LanguageId, languageOf } from './grammars.ts';
export { estimateTokens } from './internal/render-map.ts';
export {
  DEFAULT_LOCALIZE_WEIGHTS,
  type Localization,
  type LocalizedFile,
  type LocalizedSymbol,
  type LocalizeRequest,
  type LocalizeWeights,
  localize,
  localizeSignals,
  type Reranker,
  type RerankInput,
  rankCandidates,
} from './localize.ts';
export {
  buildRepoMap,
  type RepoMap,
  type RepoMapDefinition,
  type RepoMapFocus,
  type RepoMapRequest,
  type RepoMapStats,
} from './repo-map.ts';
export {
  findSymbol,
  findSymbolWith,
  type SymbolLocation,
  type SymbolSearchOptions,
  type SymbolSearchResult,
} from './symbol-search.ts';
export { type CachedTags, createTagCache, type TagCache, type TagCacheSettings } from './tag-cache.ts';
export {
  type RipgrepOutput,
  type RipgrepRunner,
  type SearchableFiles,
  searchText,
  searchTextWith,
  type TextMatch,
  type TextSearchOptions,
  type TextSearchResult,
  type TextSearchSources,
} from './text-search.ts';
export { createViewSearchableFiles, type ReadOnlyWorkspaceView } from './view-searchable-files.ts';
export {
  listWorkspaceFiles,
  type WorkspaceFile,
  type WorkspaceWalk,
  type WorkspaceWalkOptions,
  walkWorkspace,
} from './workspace-walk.ts';
