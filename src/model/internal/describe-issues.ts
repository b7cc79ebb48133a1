import type { z } from 'zod';

/**
 * Turns zod issues into `path.to.field: what is wrong` lines, one per issue, so an error names the exact
 * field a person has to fix. The root of the value shows as `(root)`.
 */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
      // A bad record key hides the key schema's own message one level down.
      const detail = issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
      return `${path}: ${detail ? `${issue.message}: ${detail}` : issue.message}`;
    })
    .join('\n');
}
