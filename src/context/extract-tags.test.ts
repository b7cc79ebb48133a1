import { describe, expect, it } from 'vitest';
import { extractTags } from './extract-tags.ts';
import type { FileTags } from './file-tags.ts';

const names = (tags: FileTags) =>
  tags.definitions.map((definition) => `${definition.kind} ${definition.name}`);
const used = (tags: FileTags) => new Set(tags.references.map((reference) => reference.name));

describe('extractTags', () => {
  it('tags TypeScript: functions, classes, methods, interfaces, types, enums, exported constants', async () => {
    const tags = await extractTags(
      'src/a.ts',
      [
        "import { readConfig } from './config.ts';",
        'export interface Options { depth: number }',
        "export type Mode = 'a' | 'b';",
        'export enum Color { Red }',
        'export const LIMIT = 3;',
        'export function parseArgs(argv: string[]): Options {',
        '  return readConfig(argv, LIMIT);',
        '}',
        'export class Runner extends Base {',
        '  run(options: Options): void { helper(options); }',
        '}',
        'const local = () => new Store();',
      ].join('\n'),
    );
    expect(tags.via).toBe('syntax');
    expect(names(tags)).toEqual([
      'interface Options',
      'type Mode',
      'enum Color',
      'constant LIMIT',
      'function parseArgs',
      'class Runner',
      'method run',
      'function local',
    ]);
    const parseArgs = tags.definitions.find((definition) => definition.name === 'parseArgs');
    expect(parseArgs).toMatchObject({
      line: 6,
      endLine: 8,
      signature: 'export function parseArgs(argv: string[]): Options {',
    });
    // A module's unexported declaration is its own; exported ones and members are not.
    expect(tags.definitions.find((definition) => definition.name === 'local')?.local).toBe(true);
    expect(parseArgs?.local).toBeUndefined();
    expect(used(tags)).toEqual(
      new Set(['readConfig', 'argv', 'Options', 'LIMIT', 'Base', 'options', 'helper', 'Store']),
    );
  });

  it('tags TSX and JavaScript', async () => {
    const tsx = await extractTags(
      'App.tsx',
      'export function App(props: Props) { return <Button onClick={handleClick} />; }\n',
    );
    expect(names(tsx)).toEqual(['function App']);
    expect(used(tsx)).toEqual(new Set(['props', 'Props', 'Button', 'handleClick']));
    const js = await extractTags(
      'lib/build.cjs',
      "const { join } = require('node:path');\nfunction build(x) { return join(x, makeName()); }\nclass Thing { method() { return new Other(); } }\nmodule.exports = { build };\n",
    );
    expect(names(js)).toEqual(['function build', 'class Thing', 'method method']);
    // CommonJS: nothing is known to be local.
    expect(js.definitions.some((definition) => definition.local)).toBe(false);
    expect(used(js)).toEqual(expect.any(Set));
    expect([...used(js)]).toEqual(expect.arrayContaining(['join', 'makeName', 'Other', 'build']));
  });

  it('tags Python, Go, Rust and Java', async () => {
    const python = await extractTags(
      'store.py',
      'from .util import helper\n\nMAX = 3\n\nclass Store(Base):\n    def get(self, key):\n        def inner():\n            return 1\n        return helper(key, MAX)\n',
    );
    expect(names(python)).toEqual(['constant MAX', 'class Store', 'function get', 'function inner']);
    expect(python.definitions.find((definition) => definition.name === 'inner')?.local).toBe(true);
    expect([...used(python)]).toEqual(expect.arrayContaining(['helper', 'Base', 'MAX']));

    const go = await extractTags(
      'server.go',
      'package main\n\nconst Limit = 3\n\ntype Server struct { store *Store }\n\nfunc (s *Server) Serve(request Request) error {\n  return handle(s.store, request)\n}\n\nfunc main() { fmt.Println(NewServer()) }\n',
    );
    expect(names(go)).toEqual(['constant Limit', 'type Server', 'method Serve', 'function main']);
    expect([...used(go)]).toEqual(
      expect.arrayContaining(['Store', 'Request', 'handle', 'Println', 'NewServer']),
    );

    const rust = await extractTags(
      'src/server.rs',
      'pub struct Server { store: Store }\n\nconst LIMIT: usize = 3;\n\nimpl Server {\n    pub fn serve(&self, request: Request) -> Result<(), Error> {\n        handle(&self.store, request)\n    }\n}\n',
    );
    expect(names(rust)).toEqual(['class Server', 'constant LIMIT', 'method serve']);
    expect([...used(rust)]).toEqual(expect.arrayContaining(['Store', 'Server', 'Request', 'handle']));

    const java = await extractTags(
      'app/Server.java',
      'package app;\n\npublic class Server extends Base implements Handler {\n    static final int LIMIT = 3;\n    public Response serve(Request request) {\n        return Helper.handle(store, request);\n    }\n}\n',
    );
    expect(names(java)).toEqual(['class Server', 'constant LIMIT', 'method serve']);
    expect([...used(java)]).toEqual(
      expect.arrayContaining(['Base', 'Handler', 'Response', 'Request', 'Helper', 'handle']),
    );
  });

  it('tags a language without a grammar from its text', async () => {
    const tags = await extractTags('store.rb', 'class Store\n  def get(key)\n    helper(key)\n  end\nend\n');
    expect(tags.via).toBe('text');
    expect(names(tags)).toEqual(['class Store', 'function get']);
    expect(used(tags).has('helper')).toBe(true);
  });

  it('gives binary content with a source extension no tags', async () => {
    const bytes = new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3, 0x66, 0x75, 0x6e]);
    expect(await extractTags('evil.ts', bytes)).toEqual({ definitions: [], references: [], via: 'skipped' });
    expect((await extractTags('evil.ts', 'export function a() {}\0')).via).toBe('skipped');
  });

  it('tags a 5 MB minified file from the first part of its text, capped', async () => {
    const minified = 'function a(b){return b+1}var c=a(2);'.repeat(150_000);
    expect(minified.length).toBeGreaterThan(5_000_000);
    const tags = await extractTags('dist/app.min.js', minified);
    expect(tags.via).toBe('text');
    expect(tags.references.length).toBeLessThanOrEqual(20_000);
    expect(tags.definitions.length).toBeLessThanOrEqual(5000);
  });

  it('falls back to text when the parse runs out of steps', async () => {
    const source = Array.from(
      { length: 2000 },
      (_, index) => `export function f${index}() { return ${index}; }`,
    ).join('\n');
    const tags = await extractTags('big.ts', source, { limits: { maxParseSteps: 5 } });
    expect(tags.via).toBe('text');
    expect(tags.definitions[0]).toMatchObject({ name: 'f0', kind: 'function', line: 1 });
  });
});
