import { UserError } from '../spec/index.ts';

/** A model as the user named it, parsed. `text` is the spec exactly as given. */
export type ModelSpec =
  | { provider: 'anthropic'; model: string; text: string }
  | { provider: 'openai'; model: string; text: string }
  | { provider: 'openai-compatible'; model: string; baseUrl: string; text: string }
  | { provider: 'scripted'; path: string; text: string };

const ALLOWED = [
  'anthropic:MODEL (e.g. anthropic:claude-opus-4-7)',
  'openai:MODEL (e.g. openai:gpt-5.1)',
  'openai-compatible:MODEL@BASE_URL (e.g. openai-compatible:llama3@http://127.0.0.1:11434/v1)',
  'scripted:PATH (a YAML or JSON file of model turns, e.g. scripted:examples/demo/fix-discount.scripted.yaml)',
].join('; ');

/** A model name: no whitespace, and no `@` (which separates an openai-compatible model from its URL). */
const MODEL_NAME = /^[^\s@]+$/;

/**
 * Parses a model spec such as `anthropic:claude-opus-4-7`. The forms are `anthropic:MODEL`,
 * `openai:MODEL`, `openai-compatible:MODEL@BASE_URL` (the URL up to and including the API version, e.g.
 * `/v1`; the model may contain `:` and `/`, as Ollama and vLLM names do) and `scripted:PATH` (a path
 * relative to the current directory).
 *
 * @throws UserError `model-spec-invalid` saying which forms are allowed.
 */
export function parseModelSpec(text: string): ModelSpec {
  const separator = text.indexOf(':');
  const provider = separator === -1 ? '' : text.slice(0, separator);
  const rest = separator === -1 ? '' : text.slice(separator + 1);
  switch (provider) {
    case 'anthropic':
    case 'openai':
      if (MODEL_NAME.test(rest)) return { provider, model: rest, text };
      throw invalid(text, `"${rest}" is not a model name`);
    case 'openai-compatible': {
      const at = rest.indexOf('@');
      const model = at === -1 ? '' : rest.slice(0, at);
      const baseUrl = at === -1 ? '' : rest.slice(at + 1);
      if (!MODEL_NAME.test(model)) throw invalid(text, 'it needs MODEL@BASE_URL');
      if (!isHttpUrl(baseUrl)) throw invalid(text, `"${baseUrl}" is not an http(s) URL`);
      return { provider, model, baseUrl, text };
    }
    case 'scripted':
      if (rest.trim() !== '') return { provider, path: rest, text };
      throw invalid(text, 'it needs the path of a scripted model file');
    default:
      throw invalid(text, provider === '' ? 'it has no provider' : `"${provider}" is not a known provider`);
  }
}

function isHttpUrl(text: string): boolean {
  if (!URL.canParse(text)) return false;
  const protocol = new URL(text).protocol;
  return protocol === 'http:' || protocol === 'https:';
}

function invalid(text: string, reason: string): UserError {
  return new UserError('model-spec-invalid', `model "${text}" is invalid: ${reason}`, {
    hint: `a model is one of: ${ALLOWED}`,
  });
}
