/** What the model is told when the check fails and the task moves up a tier (replayed on resume). */
export function checkFailedMessage(name: string, summary: string, output: string): string {
  return `The check \`${name}\` failed (${summary}):\n${output}\nFix the cause, then finish.`;
}
