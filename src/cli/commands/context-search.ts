import { UserError } from '../../spec/errors.ts';
import type { CommandIo } from '../io.ts';

/** `warden context search …`: not built yet. */
export async function contextSearchCommand(_argv: string[], _io: CommandIo): Promise<number> {
  throw new UserError('unsupported', 'warden context search is not available yet');
}
