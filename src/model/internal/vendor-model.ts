import type { LanguageModelV3 } from '@ai-sdk/provider';
import type { Environment } from '../../spec/index.ts';
import { ENV, UserError } from '../../spec/index.ts';
import type { ModelSpec } from '../model-spec.ts';

/** A vendor's language model, with the variable its key came from (for error hints). */
export interface VendorModel {
  model: LanguageModelV3;
  keyVariable: string | undefined;
}

const ANTHROPIC_DEFAULT_BASE_URL = 'https://api.anthropic.com';
const OPENAI_DEFAULT_BASE_URL = 'https://api.openai.com/v1';

/**
 * Builds the AI SDK model for a vendor spec. Keys and base URLs come only from `env` (never from
 * `process.env` behind our back: every setting is passed to the SDK explicitly).
 *
 * `ANTHROPIC_BASE_URL` follows Anthropic's own convention (no `/v1`, as Claude Code and the Anthropic
 * SDK use it); `/v1` is added unless the URL already ends with it. `OPENAI_BASE_URL` includes `/v1`.
 *
 * @throws UserError `model-key-missing` naming the variable when the vendor's key is not set.
 */
export async function createVendorModel(
  spec: Exclude<ModelSpec, { provider: 'scripted' }>,
  env: Environment,
  fetch: typeof globalThis.fetch | undefined,
): Promise<VendorModel> {
  // Each vendor's SDK is imported when a model of that vendor is made, not with Warden.
  switch (spec.provider) {
    case 'anthropic': {
      const apiKey = requireKey(env, ENV.anthropicKey, spec.text);
      const baseURL = anthropicBaseUrl(env[ENV.anthropicBaseUrl] || ANTHROPIC_DEFAULT_BASE_URL);
      const { createAnthropic } = await import('@ai-sdk/anthropic');
      return {
        model: createAnthropic({ apiKey, baseURL, fetch })(spec.model),
        keyVariable: ENV.anthropicKey,
      };
    }
    case 'openai': {
      const apiKey = requireKey(env, ENV.openaiKey, spec.text);
      const baseURL = env[ENV.openaiBaseUrl] || OPENAI_DEFAULT_BASE_URL;
      const { createOpenAI } = await import('@ai-sdk/openai');
      return { model: createOpenAI({ apiKey, baseURL, fetch }).chat(spec.model), keyVariable: ENV.openaiKey };
    }
    case 'openai-compatible': {
      const apiKey = env[ENV.compatibleKey] || undefined;
      const { createOpenAICompatible } = await import('@ai-sdk/openai-compatible');
      const provider = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: spec.baseUrl,
        apiKey,
        fetch,
        includeUsage: true,
      });
      return { model: provider.chatModel(spec.model), keyVariable: apiKey ? ENV.compatibleKey : undefined };
    }
  }
}

function requireKey(env: Environment, variable: string, label: string): string {
  const key = env[variable];
  if (key === undefined || key.trim() === '') {
    throw new UserError('model-key-missing', `${label} needs an API key in ${variable}, which is not set`, {
      hint: `set ${variable}, or run offline with a scripted:FILE model`,
    });
  }
  return key;
}

function anthropicBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}
