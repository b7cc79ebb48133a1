import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserError } from '../../spec/errors.ts';
import { resolveHome, starterConfig } from '../../warden/index.ts';
import { parseCommandArgs } from '../args.ts';
import { EXIT } from '../exit-codes.ts';
import type { CommandIo } from '../io.ts';

export const INIT_HELP = `warden init [--config FILE] [--force]

Writes a commented starter config with every field at its default (to --config FILE, or
<data dir>/config.yaml). Refuses to overwrite an existing file without --force.
`;

export async function initCommand(argv: string[], io: CommandIo): Promise<number> {
  const { values } = parseCommandArgs('init', argv, { force: { type: 'boolean' } });
  if (values.help) {
    io.out(INIT_HELP);
    return EXIT.ok;
  }
  const target = values.config
    ? path.resolve(io.cwd, values.config)
    : path.join(resolveHome(values['data-dir'], io.env), 'config.yaml');
  if (existsSync(target) && !values.force) {
    throw new UserError('usage', `${target} already exists`, { hint: 'pass --force to overwrite it' });
  }
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, starterConfig());
  if (values.json) io.out(`${JSON.stringify({ config: target })}\n`);
  else io.out(`wrote ${target}\n`);
  return EXIT.ok;
}
