import { UserError } from '../../spec/errors.ts';
import type { CommandIo } from '../io.ts';

/** `warden context localize …`: not built yet. */
export async function contextLocalizeCommand(_argv: string[], _io: CommandIo): Promise<number> {
  throw new UserError('unsupported', 'warden context localize is not available yet');
}
