import { z } from 'zod';
import { UserError } from '../spec/errors.ts';
import { parseJsonLines } from './internal/json-lines.ts';

const PredictionSchema = z.looseObject({
  instance_id: z.string().min(1),
  model_name_or_path: z.string().optional(),
  /** SWE-bench writes `null` for a model that produced nothing. */
  model_patch: z.string().nullable(),
});

/** One SWE-bench prediction: the patch a model proposed for an instance. */
export interface Prediction {
  instanceId: string;
  /** The model's name or path; empty when the file does not say. */
  model: string;
  /** The patch; empty when the model produced none. */
  patch: string;
}

/**
 * Parses SWE-bench predictions (`{instance_id, model_name_or_path, model_patch}` as JSON Lines, or a
 * JSON array of them), by instance id.
 *
 * @throws UserError `eval-predictions-invalid` naming the line and field, or an instance predicted twice.
 */
export function parsePredictions(text: string, file: string): Map<string, Prediction> {
  const predictions = new Map<string, Prediction>();
  for (const { line, value } of parseJsonLines(text, file, 'eval-predictions-invalid')) {
    const parsed = PredictionSchema.safeParse(value);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new UserError(
        'eval-predictions-invalid',
        `${file}:${line}: ${issue.path.join('.') || 'the line'}: ${issue.message}`,
        { hint: 'each prediction is {"instance_id", "model_name_or_path", "model_patch"}' },
      );
    }
    const { instance_id: instanceId, model_name_or_path: model, model_patch: patch } = parsed.data;
    if (predictions.has(instanceId)) {
      throw new UserError('eval-predictions-invalid', `${file}:${line}: ${instanceId} is predicted twice`);
    }
    predictions.set(instanceId, { instanceId, model: model ?? '', patch: patch ?? '' });
  }
  return predictions;
}
