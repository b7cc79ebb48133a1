import type { PullRequestReview } from '../../spec/forge.ts';

/** A review as one text: its body, then each line comment as `- path:line: text`. */
export function reviewText(review: PullRequestReview): string {
  if (review.comments.length === 0) return review.body;
  const lines = review.comments.map((comment) => `- \`${comment.path}:${comment.line}\`: ${comment.body}`);
  return `${review.body}\n\n${lines.join('\n')}`;
}
