import { hasHiddenCharacters } from './suspicious-characters.ts';

/**
 * Words that, anywhere in text the parser did not judge, make the whole command line a denial: the
 * programs and verbs the default bundle always denies (pushing, publishing, privilege, containers,
 * remote shells, disk tools).
 */
const DENY_WORDS = new Set([
  'push',
  'publish',
  'unpublish',
  'upload',
  'send-email',
  'sudo',
  'su',
  'doas',
  'pkexec',
  'runuser',
  'docker',
  'podman',
  'kubectl',
  'chroot',
  'nsenter',
  'unshare',
  'mount',
  'ssh',
  'scp',
  'sftp',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'dd',
  'shred',
  'eval',
]);

/** Shapes that write or delete outside the workspace, or run a download. */
const DENY_SHAPES: ReadonlyArray<readonly [RegExp, string]> = [
  [/\brm\s+(-\S+\s+)*(\/|~|\$HOME|\.\.)/, 'a removal outside the workspace'],
  [/>\s*(\/(?!dev\/null|tmp\/)|~|\$HOME)/, 'a redirection outside the workspace'],
  [/\/dev\/(tcp|udp)\//, 'a raw network socket'],
  [/\|\s*(sh|bash|zsh|python3?|perl|node)\b/, 'a pipe into an interpreter'],
  [/\bmkfs/, 'a file-system tool'],
];

/**
 * A cheap lexical scan of command text that was not parsed: returns why it must be denied, or
 * `undefined`. It reads words, not syntax, so it errs towards denial (a quoted "push" counts too); it
 * only runs on command lines already past the parser's limits, which are asked about at best.
 */
export function scanUnjudged(text: string): string | undefined {
  if (hasHiddenCharacters(text)) return 'a zero-width, bidirectional or control character';
  for (const [shape, what] of DENY_SHAPES) if (shape.test(text)) return what;
  for (const word of text.split(/[\s;&|()<>`$"'{}\\=]+/)) {
    const name = word.slice(word.lastIndexOf('/') + 1);
    if (DENY_WORDS.has(name)) return `the word ${JSON.stringify(name)}`;
  }
  return undefined;
}
