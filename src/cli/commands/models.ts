import { type PriceTable, sortedModels } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

export const MODELS_HELP = `warden models [--json]

Lists the priced models: provider, model, tier and prices in USD per million tokens — input, output,
cache write (5-minute and 1-hour), cache read, batch input and output, and the long-context rates. The
table is LiteLLM's model_prices_and_context_window.json layout; set pricing.tablePath to use another,
and declare prices of models it lacks (self-hosted ones) under models in the config.
`;

export async function modelsCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('models', argv, {});
  if (values.help) {
    io.out(MODELS_HELP);
    return EXIT.ok;
  }
  const warden = await openWarden(values, io);
  try {
    return listModels(warden.priceTable(), Boolean(values.json), io);
  } finally {
    await warden.close();
  }
}

function listModels(table: PriceTable, json: boolean, io: CommandIo): number {
  const rows = sortedModels(table);
  if (json) {
    io.out(
      `${JSON.stringify({ version: table.version, models: rows.map(([key, price]) => ({ key, ...price })) })}\n`,
    );
    return EXIT.ok;
  }
  io.out(`price table ${table.version} (USD per million tokens)\n`);
  io.out(
    `${['key', 'tier', 'input', 'output', 'write 5m', 'write 1h', 'read', 'batch in', 'batch out', 'context', '>200k in/out'].join('\t')}\n`,
  );
  for (const [key, price] of rows) {
    io.out(
      `${[
        key,
        price.tier ?? '-',
        price.input,
        price.output,
        price.cacheWrite,
        price.cacheWrite1h ?? '-',
        price.cacheRead,
        price.batchInput ?? '-',
        price.batchOutput ?? '-',
        price.contextWindow ?? '-',
        price.longContext ? `${price.longContext.input}/${price.longContext.output}` : '-',
      ].join('\t')}\n`,
    );
  }
  return EXIT.ok;
}
