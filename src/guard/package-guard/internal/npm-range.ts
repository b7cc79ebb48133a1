/** A version as three numbers and a prerelease tag (`1.2.3-beta.1`); undefined when it is not one. */
type Version = [number, number, number, string];

function parseVersion(text: string): Version | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3]), match[4] ?? ''];
}

function compare(a: Version, b: Version): number {
  for (let index = 0; index < 3; index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return Math.sign(difference);
  }
  if (a[3] === b[3]) return 0;
  if (a[3] === '') return 1;
  if (b[3] === '') return -1;
  return a[3] < b[3] ? -1 : 1;
}

type Comparator = { operator: '<' | '<=' | '>' | '>=' | '='; version: Version };

/** `1`, `1.2`, `1.x`, `*` as the versions they cover: `[lower, upper)`; undefined upper: none. */
function partial(text: string): { lower: Version; upper: Version | undefined; exact?: Version } | undefined {
  const trimmed = text.replace(/^[=v]+/, '');
  const full = parseVersion(trimmed);
  if (full) return { lower: full, upper: undefined, exact: full };
  const parts = trimmed.split('.').filter((part) => !/^[xX*]$/.test(part));
  if (trimmed === '' || /^[xX*]$/.test(trimmed)) return { lower: [0, 0, 0, ''], upper: undefined };
  if (parts.length > 2 || parts.some((part) => !/^\d+$/.test(part))) return undefined;
  const [major, minor] = parts.map(Number) as [number, number | undefined];
  if (minor === undefined) return { lower: [major, 0, 0, ''], upper: [major + 1, 0, 0, ''] };
  return { lower: [major, minor, 0, ''], upper: [major, minor + 1, 0, ''] };
}

/** One space-separated set of comparators (`>=1.2 <2`, `^1.2.3`, `~1.2`, `1.x`, `1.2.3 - 2`). */
function comparatorsOf(set: string): Comparator[] | undefined {
  const hyphen = /^(\S+)\s+-\s+(\S+)$/.exec(set.trim());
  if (hyphen) {
    const from = partial(hyphen[1] as string);
    const to = partial(hyphen[2] as string);
    if (!from || !to) return undefined;
    return [
      { operator: '>=', version: from.lower },
      to.exact
        ? { operator: '<=', version: to.exact }
        : { operator: '<', version: to.upper ?? [Infinity, 0, 0, ''] },
    ];
  }
  const comparators: Comparator[] = [];
  for (const token of set
    .trim()
    .split(/\s+/)
    .filter((part) => part !== '')) {
    const match = /^(\^|~>?|>=|<=|>|<|=)?(.*)$/.exec(token) as RegExpExecArray;
    const operator = match[1] ?? '';
    const range = partial(match[2] as string);
    if (!range) return undefined;
    const { lower, upper, exact } = range;
    if (operator === '^' || operator === '~' || operator === '~>') {
      const [major, minor] = lower;
      const ceiling: Version =
        operator !== '^'
          ? exact || upper === undefined || (upper[0] === major && upper[1] !== 0)
            ? [major, minor + 1, 0, '']
            : [major + 1, 0, 0, '']
          : major > 0 || !exact
            ? [major + 1, 0, 0, '']
            : minor > 0
              ? [0, minor + 1, 0, '']
              : [0, 0, lower[2] + 1, ''];
      comparators.push({ operator: '>=', version: lower }, { operator: '<', version: ceiling });
    } else if (operator === '' || operator === '=') {
      if (exact) comparators.push({ operator: '=', version: exact });
      else {
        comparators.push({ operator: '>=', version: lower });
        if (upper) comparators.push({ operator: '<', version: upper });
      }
    } else if (operator === '>' && !exact && upper) {
      comparators.push({ operator: '>=', version: upper });
    } else if (operator === '<=' && !exact && upper) {
      comparators.push({ operator: '<', version: upper });
    } else {
      comparators.push({ operator: operator as Comparator['operator'], version: lower });
    }
  }
  return comparators;
}

function holds(version: Version, comparator: Comparator): boolean {
  const order = compare(version, comparator.version);
  switch (comparator.operator) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '>':
      return order > 0;
    case '>=':
      return order >= 0;
    case '=':
      return order === 0;
  }
}

/**
 * The newest of `versions` that npm's range `range` takes (`^4`, `~1.2.3`, `>=1 <2 || 3.x`, `1.2.3 - 2`),
 * prereleases only when named exactly; undefined when none does or the range is not one this reads.
 */
export function newestSatisfying(versions: Iterable<string>, range: string): string | undefined {
  const sets = range.split('||').map(comparatorsOf);
  if (sets.some((set) => set === undefined)) return undefined;
  let best: { text: string; version: Version } | undefined;
  for (const text of versions) {
    const version = parseVersion(text);
    if (!version) continue;
    const matches = (sets as Comparator[][]).some(
      (set) =>
        set.every((comparator) => holds(version, comparator)) &&
        (version[3] === '' ||
          set.some(
            (comparator) =>
              comparator.version[3] !== '' &&
              comparator.version.slice(0, 3).join() === version.slice(0, 3).join(),
          )),
    );
    if (matches && (best === undefined || compare(version, best.version) > 0)) best = { text, version };
  }
  return best?.text;
}
