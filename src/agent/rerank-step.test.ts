import { afterEach, describe, expect, it } from 'vitest';
import {
  type LoopFixture,
  openLoopFixture,
  RecordingModel,
  scriptedModel,
} from '../../test/support/agent-loop-fixture.ts';
import type { LocalizedFile } from '../context/index.ts';
import { loadPriceTable, ModelCallError } from '../model/index.ts';
import { rerankFiles } from './rerank-step.ts';

const files: LocalizedFile[] = ['src/a.ts', 'src/b.ts', 'src/c.ts', 'src/d.ts'].map((path, at) => ({
  path,
  score: 1 - at / 10,
  symbols: [{ name: `f${at}`, kind: 'function', line: 1, endLine: 3 }],
}));
const paths = (list: readonly LocalizedFile[]) => list.map((file) => file.path);

let fixture: LoopFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

async function rerankWith(model: RerankModel, options: { taskUsd?: number; candidates?: number } = {}) {
  fixture = await openLoopFixture({ taskUsd: options.taskUsd });
  const booking = {
    taskId: fixture.taskId,
    journal: fixture.journal,
    guard: fixture.guard,
    counterfactualKey: 'anthropic:claude-opus-4-7',
  };
  const settings = {
    model: typeof model === 'function' ? await model(fixture.dir) : model,
    priceTable: loadPriceTable(),
    candidates: options.candidates ?? 3,
    maxOutputTokens: 200,
  };
  return await rerankFiles(booking, settings, 'f2 is broken', files);
}
type RerankModel = RecordingModel | ((dir: string) => ReturnType<typeof scriptedModel>);

describe('the rerank of the localizer candidates', () => {
  it("puts the top candidates in the scripted model's order, the rest after, and charges the call to the task", async () => {
    const result = await rerankWith((dir) =>
      scriptedModel(dir, 'rerank', [
        { text: '["src/c.ts", "src/a.ts"]', usage: { input_tokens: 300, output_tokens: 12 } },
      ]),
    );
    expect(paths(result.files)).toEqual(['src/c.ts', 'src/a.ts', 'src/b.ts', 'src/d.ts']);
    expect(result.rerank).toMatchObject({
      candidates: ['src/a.ts', 'src/b.ts', 'src/c.ts'],
      order: ['src/c.ts', 'src/a.ts', 'src/b.ts'],
      applied: true,
      inputTokens: 300,
      outputTokens: 12,
    });
    expect(result.rerank.kept).toBeUndefined();
    expect(result.rerank.costUsd).toBeGreaterThan(0);
    expect(fixture!.guard.spent.usd).toBeCloseTo(result.rerank.costUsd, 12);
    // Not one of the task's steps: nothing a resume would replay as a turn of the conversation.
    expect(await fixture!.types()).not.toContain('model-response');
  });

  it('sends only the task and the top candidates, with a strict answer format', async () => {
    const model = new RecordingModel('nano', [{ text: '["src/b.ts"]' }]);
    await rerankWith(model, { candidates: 2 });
    const [request] = model.requests;
    expect(request?.system).toMatch(/JSON array of the candidate paths/);
    expect(request?.tools).toEqual({});
    expect(request?.maxOutputTokens).toBe(200);
    const content = String(request?.messages[0]?.content);
    expect(content).toContain('f2 is broken');
    expect(content).toContain('- src/b.ts: f1 (function)');
    expect(content).not.toContain('src/c.ts');
  });

  it('keeps the search order, and says why, for a garbage reply, an invented path and a reply cut short', async () => {
    const garbage = await rerankWith(new RecordingModel('nano', [{ text: 'c.ts, then a.ts' }]));
    expect(paths(garbage.files)).toEqual(paths(files));
    expect(garbage.rerank).toMatchObject({ applied: false, kept: 'the reply is not a JSON array of paths' });
    // The reply was paid for all the same.
    expect(fixture!.guard.spent.usd).toBeCloseTo(garbage.rerank.costUsd, 12);
    expect(garbage.rerank.costUsd).toBeGreaterThan(0);
    await fixture?.close();

    const invented = await rerankWith(new RecordingModel('nano', [{ text: '["src/c.ts", ".env"]' }]));
    expect(paths(invented.files)).toEqual(paths(files));
    expect(invented.rerank.kept).toBe('the reply names ".env", not a candidate');
    await fixture?.close();

    const cut = await rerankWith(
      new RecordingModel('nano', [{ text: '["src/c.ts", "src/', finishReason: 'length' }]),
    );
    expect(paths(cut.files)).toEqual(paths(files));
    expect(cut.rerank.kept).toBe('the reply was cut at its 200 output tokens');
  });

  it('keeps the search order when the call fails, releasing what it reserved', async () => {
    const failing = new RecordingModel('nano', [
      new ModelCallError('the vendor answered 503', { isRetryable: true, status: 503 }),
    ]);
    const result = await rerankWith(failing);
    expect(paths(result.files)).toEqual(paths(files));
    expect(result.rerank).toMatchObject({ applied: false, costUsd: 0, inputTokens: 0 });
    expect(result.rerank.kept).toMatch(/^the call failed: .*503/);
    expect(fixture!.guard.spent.usd).toBe(0);
  });

  it('makes no call the task budget cannot hold', async () => {
    const model = new RecordingModel('nano', [{ text: '["src/b.ts"]' }]);
    const result = await rerankWith(model, { taskUsd: 0.000001 });
    expect(model.requests).toHaveLength(0);
    expect(paths(result.files)).toEqual(paths(files));
    expect(result.rerank.kept).toMatch(/^not sent: /);
  });
});
