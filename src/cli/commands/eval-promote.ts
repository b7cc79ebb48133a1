import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { type Promotion, promoteTask } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';
import { openWarden } from './run.ts';

/** `warden eval promote TASK --out FILE [--fix COMMIT]`: a production task becomes an eval instance. */
export async function promoteCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    'eval promote',
    argv,
    { out: { type: 'string' }, fix: { type: 'string' } },
    1,
  );
  const [task] = positionals;
  if (task === undefined || values.out === undefined) {
    throw new UserError('usage', 'warden eval promote: give a TASK and --out FILE', {
      hint: 'see `warden eval --help`',
    });
  }
  const warden = await openWarden(values, io);
  try {
    const promotion = await promoteTask(warden, {
      task,
      out: path.resolve(io.cwd, values.out),
      fix: values.fix,
    });
    if (values.json) io.out(`${JSON.stringify(promotion)}\n`);
    else io.out(renderPromotion(promotion));
    return EXIT.ok;
  } finally {
    await warden.close();
  }
}

function renderPromotion(promotion: Promotion): string {
  const { instance } = promotion;
  return [
    `${instance.instance_id} appended to ${promotion.out}`,
    `  task ${instance.warden_task}: ${promotion.explanation}`,
    `  repo ${instance.repo} at ${instance.base_commit.slice(0, 12)}${instance.test_cmd ? `, tests: ${instance.test_cmd}` : ''}`,
    ...promotion.notes.map((note) => `note: ${note}`),
    '',
  ].join('\n');
}
