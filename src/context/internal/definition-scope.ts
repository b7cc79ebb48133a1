import type { Node } from 'web-tree-sitter';
import type { LanguageId } from '../grammars.ts';

/** Bodies whose definitions are members, reachable through the object that holds them. */
const MEMBER_BODIES = new Set([
  'class_body',
  'interface_body',
  'object_type',
  'object',
  'class_definition',
  'declaration_list',
  'enum_body',
  'field_declaration_list',
  'enum_body_declarations',
]);

/** Bodies whose definitions exist only while the function runs. */
const FUNCTION_BODIES = new Set([
  'function_declaration',
  'function_expression',
  'generator_function_declaration',
  'generator_function',
  'arrow_function',
  'method_definition',
  'function_definition',
  'function_item',
  'closure_expression',
  'func_literal',
  'method_declaration',
  'constructor_declaration',
  'lambda_expression',
]);

/** What a JavaScript-family module exports, when it is an ES module at all. */
export interface ModuleExports {
  /** The file has an `import` or `export` statement: what it does not export is its own. */
  esModule: boolean;
  /** Names exported by an `export { a, b }` clause, declared elsewhere in the file. */
  listed: Set<string>;
}

/** The exports of a TypeScript or JavaScript file; `undefined` for other languages. */
export function moduleExports(root: Node, language: LanguageId): ModuleExports | undefined {
  if (language !== 'typescript' && language !== 'tsx' && language !== 'javascript') return undefined;
  const found: ModuleExports = { esModule: false, listed: new Set() };
  for (const child of root.namedChildren) {
    if (child?.type === 'import_statement') found.esModule = true;
    if (child?.type !== 'export_statement') continue;
    found.esModule = true;
    for (const clause of child.namedChildren) {
      if (clause?.type !== 'export_clause') continue;
      for (const specifier of clause.namedChildren) {
        const name = specifier?.childForFieldName('name');
        if (name) found.listed.add(name.text);
      }
    }
  }
  return found;
}

/**
 * Whether a definition is invisible outside its file: declared inside a function body (before any
 * class or object that would make it a member), or an ES module's top-level declaration that is
 * neither exported where it stands nor listed in an `export { … }` clause.
 */
export function isLocalDefinition(node: Node, name: string, exports: ModuleExports | undefined): boolean {
  for (let parent = node.parent; parent !== null; parent = parent.parent) {
    if (parent.type === 'export_statement') return false;
    if (MEMBER_BODIES.has(parent.type)) return false;
    if (FUNCTION_BODIES.has(parent.type)) return true;
  }
  return exports?.esModule === true && !exports.listed.has(name);
}
