import { describe, expect, it } from 'vitest';
import { UserError } from '../spec/index.ts';
import { parseModelSpec } from './model-spec.ts';

describe('parseModelSpec', () => {
  it('parses each provider', () => {
    expect(parseModelSpec('anthropic:claude-opus-4-7')).toEqual({
      provider: 'anthropic',
      model: 'claude-opus-4-7',
      text: 'anthropic:claude-opus-4-7',
    });
    expect(parseModelSpec('openai:gpt-5.1')).toMatchObject({ provider: 'openai', model: 'gpt-5.1' });
    expect(parseModelSpec('scripted:examples/demo.yaml')).toMatchObject({
      provider: 'scripted',
      path: 'examples/demo.yaml',
    });
  });

  it('splits an openai-compatible spec at the @ before its URL, keeping : and / in the model', () => {
    expect(parseModelSpec('openai-compatible:llama3:8b@http://127.0.0.1:11434/v1')).toMatchObject({
      provider: 'openai-compatible',
      model: 'llama3:8b',
      baseUrl: 'http://127.0.0.1:11434/v1',
    });
    expect(parseModelSpec('openai-compatible:meta-llama/Llama-3-8B@https://vllm.internal/v1')).toMatchObject({
      model: 'meta-llama/Llama-3-8B',
      baseUrl: 'https://vllm.internal/v1',
    });
  });

  it.each([
    ['claude-opus-4-7', /has no provider/],
    ['gemini:gemini-3', /"gemini" is not a known provider/],
    ['anthropic:', /is not a model name/],
    ['openai:gpt 5', /is not a model name/],
    ['openai-compatible:llama3', /needs MODEL@BASE_URL/],
    ['openai-compatible:llama3@localhost:11434', /is not an http\(s\) URL/],
    ['scripted:', /needs the path/],
  ])('rejects %s, saying what is allowed', (text, reason) => {
    const error = (() => {
      try {
        parseModelSpec(text);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(UserError);
    expect(error).toMatchObject({ code: 'model-spec-invalid', message: expect.stringMatching(reason) });
    expect((error as UserError).hint).toContain('openai-compatible:MODEL@BASE_URL');
  });
});
