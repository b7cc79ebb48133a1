import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time comparison of two secrets of any lengths (both hashed first); an empty one never matches. */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(given), digest(expected)) && given.length > 0;
}
