import type { ShellCommand } from '../../policy/index.ts';
import { SANDBOX_WORKDIR } from '../../spec/sandbox.ts';

/** A package registry the guard checks. */
export type PackageEcosystem = 'npm' | 'pypi' | 'crates' | 'go';

/** One package a command installs (or runs, for `npx`), as the command names it. */
export interface PackageSpec {
  ecosystem: PackageEcosystem;
  name: string;
  /** The version or range as written (`4.17.21`, `^4`, `==2.31.0`, `>=1`); undefined: none given. */
  version?: string | undefined;
}

/** One simple command that installs packages, read from its words. */
export interface InstallCommand {
  ecosystem: PackageEcosystem;
  /** The program: `npm`, `pnpm`, `yarn`, `npx`, `pip`, `cargo`, `go`. */
  manager: string;
  /** The simple command's source text. */
  line: string;
  /** The workspace-relative directory it runs in (`.` when a `cd` made it unknowable). */
  cwd: string;
  /** Packages named on the command line. */
  packages: PackageSpec[];
  /** `npx`, `pnpm dlx`, `yarn dlx`: a package run, which installs it first. */
  runs: boolean;
  /** `--ignore-scripts` was given (npm, pnpm, yarn). */
  ignoresScripts: boolean;
  /** No package named: the lockfile (or manifest) is installed (`npm ci`, `npm install`, `yarn`). */
  fromLockfile: boolean;
  /** Requirement files to check line by line (`pip install -r requirements.txt`). */
  requirementFiles: string[];
  /**
   * What the guard cannot check and so refuses: a registry other than the configured one
   * (`--registry`, `--index-url`), a URL or git source, an editable install, a word only known at run time.
   */
  unjudged: string[];
}

const NPM_INSTALL_VERBS = new Set([
  'install',
  'i',
  'add',
  'in',
  'ins',
  'inst',
  'insta',
  'instal',
  'isnt',
  'isntall',
  'ci',
  'clean-install',
  'install-clean',
  'ic',
]);
/** npm options that take a value as the next word (so the value is not a package). */
const NPM_VALUE_OPTIONS = new Set([
  '--tag',
  '--prefix',
  '-C',
  '--dir',
  '--cwd',
  '--workspace',
  '-w',
  '--filter',
  '--omit',
  '--include',
  '--install-strategy',
  '--cache',
  '--userconfig',
  '--loglevel',
  '--network-concurrency',
  '--package',
  '-p',
]);
const PIP_VALUE_OPTIONS = new Set([
  '-t',
  '--target',
  '--prefix',
  '--root',
  '-d',
  '--dest',
  '-c',
  '--constraint',
  '--platform',
  '--python-version',
  '--implementation',
  '--abi',
  '--src',
  '--upgrade-strategy',
  '--progress-bar',
  '--cache-dir',
  '--log',
  '--timeout',
  '--retries',
  '--report',
  '--only-binary',
  '--no-binary',
  '--config-settings',
  '-C',
  '--global-option',
  '--trusted-host',
  '--cert',
  '--client-cert',
  '--proxy',
]);
const REGISTRY_OPTIONS = new Set([
  '--registry',
  '-i',
  '--index-url',
  '--extra-index-url',
  '-f',
  '--find-links',
  '--index',
  '--git',
  '--path',
  '--registry-url',
]);
const CARGO_VALUE_OPTIONS = new Set([
  '--version',
  '--vers',
  '--features',
  '-F',
  '--package',
  '-p',
  '--manifest-path',
  '--target',
  '--target-dir',
  '--root',
  '--profile',
  '-j',
  '--jobs',
  '--rename',
  '--branch',
  '--tag',
  '--rev',
  '--bin',
  '--example',
  '--config',
  '-Z',
]);

/**
 * Reads the installs out of a command line's simple commands (after the policy's unwrapping, so
 * `sudo npm i x` and `bash -c "pip install y"` are seen): `npm install|i|add|ci`, `pnpm add|install|i`,
 * `yarn add|install` (and bare `yarn`), `npx`, `npm exec`, `pnpm dlx`, `yarn dlx` (a package run is an
 * install), `pip|pip3 install`, `python|python3 -m pip install`, `cargo add|install`, `go get|install`.
 * Options and their values are skipped; version specs are split off (`lodash@4.17.21`,
 * `@scope/x@^1`, `requests==2.31.0`, `name>=1`, `cargo add serde@1`, `go get x@v1.2.3`).
 */
export function parseInstalls(commands: readonly ShellCommand[]): InstallCommand[] {
  const installs: InstallCommand[] = [];
  for (const command of commands) {
    const install = parseInstall(command);
    if (install) installs.push(install);
  }
  return installs;
}

function parseInstall(command: ShellCommand): InstallCommand | undefined {
  const words = command.argv.map((word) => word.value);
  const dynamic = command.argv.filter((word) => !word.literal).map((word) => word.text);
  const program = (words[0] ?? '').split('/').pop() ?? '';
  const base = (ecosystem: PackageEcosystem, manager: string): InstallCommand => ({
    ecosystem,
    manager,
    line: command.line,
    cwd: workspaceDirOf(command.cwd),
    packages: [],
    runs: false,
    ignoresScripts: words.some((word) => word === '--ignore-scripts' || word === '--ignore-scripts=true'),
    fromLockfile: false,
    requirementFiles: [],
    unjudged: dynamic.map((text) => `${text} (only known at run time)`),
  });
  if (program === 'npx') return npmPackages(base('npm', 'npx'), words.slice(1), true);
  if (program === 'npm' || program === 'pnpm' || program === 'yarn') {
    const at = words.findIndex((word, index) => index > 0 && !word.startsWith('-'));
    const verb = at === -1 ? undefined : words[at];
    if (program === 'yarn' && verb === undefined) return { ...base('npm', program), fromLockfile: true };
    if (verb === undefined) return undefined;
    const rest = words.slice(at + 1);
    if ((program === 'npm' && verb === 'exec') || (program !== 'npm' && verb === 'dlx'))
      return npmPackages(base('npm', program), rest, true);
    const installing =
      program === 'npm' ? NPM_INSTALL_VERBS.has(verb) : ['add', 'install', 'i'].includes(verb);
    if (!installing) return undefined;
    const install = npmPackages(base('npm', program), rest, false);
    return install.packages.length === 0 && install.unjudged.length === dynamic.length
      ? { ...install, fromLockfile: true }
      : install;
  }
  const pipAt = pipInstallIndex(words, program);
  if (pipAt !== undefined) return pipPackages(base('pypi', 'pip'), words.slice(pipAt));
  if (program === 'cargo' && (words[1] === 'add' || words[1] === 'install'))
    return cargoPackages(base('crates', 'cargo'), words.slice(2));
  if (program === 'go' && (words[1] === 'get' || words[1] === 'install'))
    return goPackages(base('go', 'go'), words.slice(2));
  return undefined;
}

/** Where the words after `install` start, for `pip install`, `pip3 install`, `python -m pip install`. */
function pipInstallIndex(words: readonly string[], program: string): number | undefined {
  if (/^pip3?(\.\d+)?$/.test(program)) return words[1] === 'install' ? 2 : undefined;
  if (/^python3?(\.\d+)?$/.test(program)) {
    const module = words.indexOf('-m');
    if (module === -1 || words[module + 1] !== 'pip' || words[module + 2] !== 'install') return undefined;
    return module + 3;
  }
  return undefined;
}

function npmPackages(install: InstallCommand, words: readonly string[], runs: boolean): InstallCommand {
  const packages: PackageSpec[] = [];
  const unjudged = [...install.unjudged];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (runs && word === '--') break;
    if (word.startsWith('-')) {
      const [option] = word.split('=');
      if (REGISTRY_OPTIONS.has(option as string)) unjudged.push(`${word} (another registry)`);
      if ((option === '--package' || option === '-p') && runs) {
        const value = word.includes('=') ? word.slice(word.indexOf('=') + 1) : words[++index];
        if (value !== undefined) packages.push(npmSpec(value, unjudged));
        continue;
      }
      if (!word.includes('=') && NPM_VALUE_OPTIONS.has(word)) index++;
      if (!word.includes('=') && REGISTRY_OPTIONS.has(word)) index++;
      continue;
    }
    packages.push(npmSpec(word, unjudged));
    // A package run: the first word is the package, the rest are its arguments.
    if (runs && !words.slice(0, index).some((seen) => seen === '--package' || seen === '-p')) break;
  }
  return { ...install, runs, packages: packages.filter((spec) => spec.name !== ''), unjudged };
}

/** `lodash`, `lodash@4`, `@scope/x@^1`, `alias@npm:real@1`; URLs, git and paths are not registry packages. */
function npmSpec(word: string, unjudged: string[]): PackageSpec {
  if (/^(\.{0,2}\/|~\/|file:|link:|workspace:)/.test(word) || /\.(tgz|tar\.gz)$/.test(word))
    return { ecosystem: 'npm', name: '' };
  if (/^[a-z+]+:|^[\w.-]+\/[\w.-]+(#.*)?$/i.test(word) && !word.startsWith('@') && !word.startsWith('npm:')) {
    unjudged.push(`${word} (not from the registry)`);
    return { ecosystem: 'npm', name: '' };
  }
  const spec = word.startsWith('npm:') ? word.slice(4) : word;
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  if (at === -1) return { ecosystem: 'npm', name: spec };
  const version = spec.slice(at + 1);
  if (version.startsWith('npm:')) return npmSpec(version, unjudged);
  return { ecosystem: 'npm', name: spec.slice(0, at), version: version === '' ? undefined : version };
}

function pipPackages(install: InstallCommand, words: readonly string[]): InstallCommand {
  const packages: PackageSpec[] = [];
  const requirementFiles: string[] = [];
  const unjudged = [...install.unjudged];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (word.startsWith('-')) {
      const [option, inline] = splitOption(word);
      if (option === '-r' || option === '--requirement') {
        const file = inline ?? words[++index];
        if (file !== undefined) requirementFiles.push(file);
      } else if (option === '-e' || option === '--editable') {
        unjudged.push(`${inline ?? words[++index]} (an editable install)`);
      } else if (REGISTRY_OPTIONS.has(option)) {
        unjudged.push(`${word}${inline === undefined ? ` ${words[++index]}` : ''} (another index)`);
      } else if (inline === undefined && PIP_VALUE_OPTIONS.has(option)) {
        index++;
      } else if (/^-r./.test(word)) {
        requirementFiles.push(word.slice(2));
      }
      continue;
    }
    const spec = pipSpec(word);
    if (spec === undefined) unjudged.push(`${word} (not from the index)`);
    else if (spec.name !== '') packages.push(spec);
  }
  return { ...install, packages, requirementFiles, unjudged };
}

/** `requests`, `requests==2.31.0`, `Name[extra]>=1,<2; python_version>"3"`; paths are local, URLs unjudged. */
export function pipSpec(text: string): PackageSpec | undefined {
  const word = text.trim();
  if (/^(\.{0,2}\/|~\/)/.test(word) || /\.(whl|tar\.gz|zip)$/.test(word))
    return { ecosystem: 'pypi', name: '' };
  if (/:\/\/| @ /.test(word)) return undefined;
  const match = /^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([^;]*)/.exec(word);
  if (!match) return undefined;
  const version = (match[3] ?? '').trim();
  return { ecosystem: 'pypi', name: match[1] as string, version: version === '' ? undefined : version };
}

function cargoPackages(install: InstallCommand, words: readonly string[]): InstallCommand {
  const packages: PackageSpec[] = [];
  const unjudged = [...install.unjudged];
  let version: string | undefined;
  for (let index = 0; index < words.length; index++) {
    const word = words[index] as string;
    if (word.startsWith('-')) {
      const [option, inline] = splitOption(word);
      if (REGISTRY_OPTIONS.has(option)) unjudged.push(`${word} (not from crates.io)`);
      if (option === '--version' || option === '--vers') version = inline ?? words[index + 1];
      if (inline === undefined && (CARGO_VALUE_OPTIONS.has(option) || REGISTRY_OPTIONS.has(option))) index++;
      continue;
    }
    const at = word.indexOf('@');
    packages.push(
      at === -1
        ? { ecosystem: 'crates', name: word }
        : { ecosystem: 'crates', name: word.slice(0, at), version: word.slice(at + 1) },
    );
  }
  if (version !== undefined && packages.length === 1 && packages[0]?.version === undefined)
    packages[0] = { ...(packages[0] as PackageSpec), version };
  return { ...install, packages, unjudged };
}

function goPackages(install: InstallCommand, words: readonly string[]): InstallCommand {
  const packages: PackageSpec[] = [];
  for (const word of words) {
    if (word.startsWith('-')) continue;
    const at = word.indexOf('@');
    const name = (at === -1 ? word : word.slice(0, at)).replace(/\/\.\.\.$/, '');
    // `go install ./cmd/x`, `go get .`: the workspace's own code.
    if (name.startsWith('.') || !name.includes('.')) continue;
    packages.push({ ecosystem: 'go', name, version: at === -1 ? undefined : word.slice(at + 1) });
  }
  return { ...install, packages };
}

function splitOption(word: string): [string, string | undefined] {
  const equals = word.indexOf('=');
  return equals === -1 ? [word, undefined] : [word.slice(0, equals), word.slice(equals + 1)];
}

/** The workspace-relative directory a command runs in, from the sandbox path the policy resolved. */
function workspaceDirOf(cwd: string | undefined): string {
  if (cwd === undefined || cwd === SANDBOX_WORKDIR) return '.';
  return cwd.startsWith(`${SANDBOX_WORKDIR}/`) ? cwd.slice(SANDBOX_WORKDIR.length + 1) : '.';
}
