import { posix } from 'node:path';
import type { Node, Tree } from 'web-tree-sitter';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';
import type { ParsedShell, ShellCommand } from '../shell-command.ts';
import { programName, RISKY_VARIABLES, SHELLS, unwrapCommand } from './unwrap-command.ts';
import { type ShellWord, wordValue } from './word-value.ts';

/**
 * The work one command line may cost, counted while the tree is walked (never measured in time, so the
 * same command line gets the same answer on an idle or a loaded machine).
 */
export interface ShellWalkLimits {
  /** How deep strings inside strings (`bash -c "eval '...'"`) are followed. */
  maxDepth: number;
  /** Syntax nodes visited, over the command line and every string parsed inside it. */
  maxNodes: number;
  /** Simple commands judged. */
  maxCommands: number;
  /** Characters parsed, over the command line and every string parsed inside it. */
  maxParsedChars: number;
}

interface Scope {
  cwd: string | undefined;
  risky: boolean;
  functions: Set<string>;
}

interface Frame {
  wrappers: string[];
  inputsFrom: string[];
  depth: number;
}

interface Redirections {
  writes: ShellWord[];
  reads: ShellWord[];
  /** Text fed on standard input by a here-document or here-string. */
  stdin: ShellWord | undefined;
  /** Programs run by process substitutions in the targets. */
  programs: string[];
}

const SUBSTITUTIONS = new Set(['command_substitution', 'process_substitution']);

/**
 * Walks a command line's syntax tree and returns every simple command in it, with wrappers unwrapped
 * and strings run by `eval`, `bash -c` and the like parsed in turn through `parse` (`null`: the parser's
 * own step budget ran out). The walk stops at the first limit reached and says which, with the text it
 * left unjudged. Trees made here are freed before it returns.
 */
export function walkShellTree(
  text: string,
  parse: (source: string) => Tree | null,
  limits: ShellWalkLimits,
): ParsedShell {
  const commands: ShellCommand[] = [];
  const trees: Tree[] = [];
  let unparsable: string | undefined;
  let stopped: string | undefined;
  /** Where, in `text`, the top-level statement being walked starts: what is left unjudged on a stop. */
  let reached = 0;
  let nodes = 0;
  let parsedChars = 0;

  const stop = (reason: string) => {
    stopped ??= reason;
  };

  const parseInto = (source: string, scope: Scope, frame: Frame): string[] => {
    if (stopped !== undefined) return [];
    if (frame.depth > limits.maxDepth) {
      stop(`commands nested more than ${limits.maxDepth} levels deep`);
      return [];
    }
    parsedChars += source.length;
    if (parsedChars > limits.maxParsedChars) {
      stop(`more than ${limits.maxParsedChars} characters to parse, nested strings included`);
      return [];
    }
    const tree = parse(source);
    if (tree === null) {
      stop('the parser ran out of steps');
      return [];
    }
    trees.push(tree);
    if (tree.rootNode.hasError) unparsable ??= describeSyntaxError(tree.rootNode);
    return walk(tree.rootNode, scope, frame);
  };

  const push = (command: ShellCommand) => {
    if (stopped !== undefined) return;
    if (commands.length >= limits.maxCommands) {
      stop(`more than ${limits.maxCommands} simple commands`);
      return;
    }
    commands.push(command);
  };

  const walk = (node: Node, scope: Scope, frame: Frame): string[] => {
    if (stopped !== undefined) return [];
    if (++nodes > limits.maxNodes) {
      stop(`more than ${limits.maxNodes} syntax nodes`);
      return [];
    }
    switch (node.type) {
      case 'comment':
        return [];
      case 'variable_assignment': {
        if (RISKY_VARIABLES.has(node.childForFieldName('name')?.text ?? '')) scope.risky = true;
        return substitutions(node, scope, frame);
      }
      case 'command':
        return command(node, emptyRedirections(), scope, frame);
      case 'redirected_statement': {
        const body = node.childForFieldName('body');
        const redirections = redirectionsOf(node.childrenForFieldName('redirect'), scope, frame);
        if (body?.type === 'command') return command(body, redirections, scope, frame);
        const programs = body ? walk(body, scope, frame) : [];
        if (redirections.writes.length > 0 || redirections.reads.length > 0) {
          push(baseCommand([], node.text, scope, frame, redirections));
        }
        return [...programs, ...redirections.programs];
      }
      case 'pipeline': {
        let upstream = [...frame.inputsFrom];
        const programs: string[] = [];
        for (const stage of node.namedChildren) {
          if (stage === null || stage.type === 'comment') continue;
          const stagePrograms = walk(stage, cloneScope(scope), { ...frame, inputsFrom: upstream });
          upstream = [...new Set([...upstream, ...stagePrograms])];
          programs.push(...stagePrograms);
        }
        return programs;
      }
      case 'subshell':
        return children(node, cloneScope(scope), frame);
      case 'function_definition': {
        const name = node.childForFieldName('name')?.text;
        if (name !== undefined) scope.functions.add(name);
        const body = node.childForFieldName('body');
        return body
          ? walk(body, cloneScope(scope), { ...frame, wrappers: [...frame.wrappers, `function ${name}`] })
          : [];
      }
      case 'declaration_command':
      case 'unset_command': {
        const programs: string[] = [];
        const argv: ShellWord[] = [];
        for (const child of node.children) {
          if (child === null) continue;
          if (!child.isNamed) {
            if (argv.length === 0) argv.push({ value: child.text, literal: true, text: child.text });
            continue;
          }
          if (child.type === 'variable_assignment') {
            if (RISKY_VARIABLES.has(child.childForFieldName('name')?.text ?? '')) scope.risky = true;
          }
          programs.push(...substitutions(child, scope, frame));
          argv.push(wordValue(child));
        }
        push({
          ...baseCommand(argv, node.text, scope, frame, emptyRedirections()),
          inputsFrom: [...frame.inputsFrom, ...programs],
        });
        return [argv[0]?.value ?? '', ...programs];
      }
      default:
        if (SUBSTITUTIONS.has(node.type)) return children(node, cloneScope(scope), frame);
        return children(node, scope, frame);
    }
  };

  const children = (node: Node, scope: Scope, frame: Frame): string[] => {
    const programs: string[] = [];
    for (const child of node.namedChildren) {
      if (stopped !== undefined) break;
      if (child === null) continue;
      if (frame.depth === 0 && node.type === 'program') reached = child.startIndex;
      programs.push(...walk(child, scope, frame));
    }
    return programs;
  };

  /** Runs the command and process substitutions inside a word; returns the programs they run. */
  const substitutions = (node: Node, scope: Scope, frame: Frame): string[] => {
    if (SUBSTITUTIONS.has(node.type)) return walk(node, scope, frame);
    const programs: string[] = [];
    for (const child of node.namedChildren)
      if (child !== null) programs.push(...substitutions(child, scope, frame));
    return programs;
  };

  const redirectionsOf = (nodes: Node[], scope: Scope, frame: Frame): Redirections => {
    const found = emptyRedirections();
    const visit = (redirect: Node) => {
      if (redirect.type === 'file_redirect') {
        const operator = redirect.children.find((child) => child !== null && !child.isNamed)?.text ?? '>';
        for (const destination of redirect.childrenForFieldName('destination')) {
          found.programs.push(...substitutions(destination, scope, frame));
          const word = wordValue(destination);
          if (/^[<]&?$/.test(operator)) found.reads.push(word);
          else if (/&$/.test(operator) && /^(\d+|-)$/.test(word.value)) continue;
          else found.writes.push(word);
        }
      } else if (redirect.type === 'heredoc_redirect') {
        const body = redirect.namedChildren.find((child) => child?.type === 'heredoc_body');
        if (body) {
          found.programs.push(...substitutions(body, scope, frame));
          found.stdin = { value: body.text, literal: true, text: body.text };
        }
        for (const child of redirect.namedChildren) if (child?.type.endsWith('redirect')) visit(child);
      } else if (redirect.type === 'herestring_redirect') {
        const word = redirect.namedChildren.find((child) => child !== null);
        if (word) {
          found.programs.push(...substitutions(word, scope, frame));
          found.stdin = wordValue(word);
        }
      }
    };
    for (const redirect of nodes) visit(redirect);
    return found;
  };

  const command = (node: Node, outer: Redirections, scope: Scope, frame: Frame): string[] => {
    const argv: ShellWord[] = [];
    const programs: string[] = [];
    const inner: Node[] = [];
    let risky = false;
    for (let index = 0; index < node.childCount; index++) {
      const child = node.child(index);
      if (child === null || !child.isNamed) continue;
      const field = node.fieldNameForChild(index);
      if (child.type === 'variable_assignment') {
        risky ||= RISKY_VARIABLES.has(child.childForFieldName('name')?.text ?? '');
        programs.push(...substitutions(child, scope, frame));
      } else if (child.type.endsWith('redirect')) {
        inner.push(child);
      } else if (field === 'name' || field === 'argument') {
        programs.push(...substitutions(child, scope, frame));
        argv.push(wordValue(child));
      }
    }
    const own = redirectionsOf(inner, scope, frame);
    const redirections: Redirections = {
      writes: [...outer.writes, ...own.writes],
      reads: [...outer.reads, ...own.reads],
      stdin: own.stdin ?? outer.stdin,
      programs: [...outer.programs, ...own.programs],
    };
    const base = baseCommand(argv, node.text, scope, frame, redirections);
    base.inputsFrom = [...frame.inputsFrom, ...programs, ...redirections.programs];
    base.riskyEnvironment ||= risky;
    return [...emit(base, scope, frame, redirections.stdin), ...programs, ...redirections.programs];
  };

  /** Records a simple command and whatever it wraps; returns the programs it runs. */
  const emit = (base: ShellCommand, scope: Scope, frame: Frame, stdin: ShellWord | undefined): string[] => {
    push(base);
    const head = base.argv[0];
    if (head === undefined) return [];
    const program = programName(head.value);
    if (head.literal && scope.functions.has(head.value)) base.definedFunction = true;
    if (base.wrappers.length === 0) changeDirectory(program, base.argv, scope);
    const programs = [program];
    const layers = unwrapCommand(base.argv);
    const nested = { ...frame, wrappers: [...base.wrappers], inputsFrom: base.inputsFrom };
    for (const layer of layers) {
      const wrappers = [...base.wrappers, layer.wrapper];
      if (layer.kind === 'opaque') {
        base.opaque = true;
      } else if (layer.kind === 'script') {
        if (!layer.script.literal) base.opaque = true;
        else
          programs.push(
            ...parseInto(layer.script.value, cloneScope(scope), {
              ...nested,
              wrappers,
              depth: frame.depth + 1,
            }),
          );
      } else {
        const child: ShellCommand = {
          ...base,
          argv: layer.argv,
          wrappers,
          opaque: false,
          definedFunction: false,
          riskyEnvironment: base.riskyEnvironment || layer.riskyEnvironment === true,
          appendedArguments: base.appendedArguments || layer.appendedArguments === true,
          placeholderPaths: layer.placeholderPaths ?? base.placeholderPaths,
        };
        programs.push(...emit(child, scope, { ...nested, wrappers }, stdin));
      }
    }
    const readsScript = layers.length === 0 && (SHELLS.has(program) || program === 'eval');
    const scriptArguments = base.argv.slice(1).some((word) => !word.value.startsWith('-'));
    if (readsScript && stdin !== undefined && !scriptArguments) {
      if (!stdin.literal) base.opaque = true;
      else
        programs.push(
          ...parseInto(stdin.value, cloneScope(scope), {
            ...nested,
            wrappers: [...base.wrappers, program],
            depth: frame.depth + 1,
          }),
        );
    }
    return programs;
  };

  const initial: Scope = { cwd: SANDBOX_WORKDIR, risky: false, functions: new Set() };
  try {
    parseInto(text, initial, { wrappers: [], inputsFrom: [], depth: 0 });
  } finally {
    for (const tree of trees) tree.delete();
  }
  return {
    commands,
    unparsable,
    beyondLimits: stopped === undefined ? undefined : { reason: stopped, unjudged: text.slice(reached) },
  };
}

function baseCommand(
  argv: ShellWord[],
  line: string,
  scope: Scope,
  frame: Frame,
  redirections: Redirections,
): ShellCommand {
  return {
    argv,
    line,
    wrappers: [...frame.wrappers],
    inputsFrom: [...frame.inputsFrom],
    opaque: false,
    definedFunction: false,
    riskyEnvironment: scope.risky,
    cwd: scope.cwd,
    redirectWrites: redirections.writes,
    redirectReads: redirections.reads,
    appendedArguments: false,
    placeholderPaths: undefined,
  };
}

function emptyRedirections(): Redirections {
  return { writes: [], reads: [], stdin: undefined, programs: [] };
}

function cloneScope(scope: Scope): Scope {
  return { cwd: scope.cwd, risky: scope.risky, functions: scope.functions };
}

/** `cd DIR` changes where later relative paths point; a `cd` that cannot be followed makes it unknown. */
function changeDirectory(program: string, argv: ShellWord[], scope: Scope): void {
  if (program !== 'cd' && program !== 'pushd' && program !== 'popd') return;
  const target = argv.slice(1).find((word) => !word.value.startsWith('-') || word.value === '-');
  if (
    program === 'popd' ||
    target === undefined ||
    !target.literal ||
    target.value === '-' ||
    target.value.startsWith('~')
  ) {
    scope.cwd = undefined;
    return;
  }
  scope.cwd = target.value.startsWith('/')
    ? posix.normalize(target.value)
    : scope.cwd === undefined
      ? undefined
      : posix.resolve(scope.cwd, target.value);
}

function describeSyntaxError(root: Node): string {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as Node;
    if (node.isError || node.isMissing) {
      const line = node.startPosition.row + 1;
      return node.isMissing
        ? `syntax error: missing ${node.type} on line ${line}`
        : `syntax error near ${JSON.stringify(node.text.slice(0, 40))} on line ${line}`;
    }
    for (const child of node.children) if (child?.hasError) stack.push(child);
  }
  return 'syntax error';
}
