const UNITS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds in a duration such as `90s`, `2h` or `1d`; `undefined` for anything else. */
export function parseDuration(text) {
  const match = /^(\d+)\s*(ms|s|m|h|d)$/.exec(String(text).trim());
  if (!match) return undefined;
  return Number(match[1]) * UNITS[match[2]];
}
