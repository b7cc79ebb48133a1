import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SystemError } from '../spec/errors.ts';

/** The file, in the data directory, that holds the Ed25519 key checkpoints are signed with. */
export const CHECKPOINT_KEY_FILE = 'journal-signing-key.pem';

/** Signs and checks journal checkpoints. */
export interface CheckpointKey {
  /** Base64 Ed25519 signature of `data`. */
  sign(data: string): string;
  verify(data: string, signature: string): boolean;
}

/**
 * The data directory's checkpoint key, created on first use (PKCS#8 PEM, mode 0600). The data directory
 * is never mounted into a sandbox, so an agent cannot read it; anyone who can read the file as the
 * Warden user can forge checkpoints (see docs/architecture/journal.md).
 *
 * @throws SystemError `store-failed` when the key cannot be created or read, or when the file may be
 *   read or written by other users (fails closed: a key others can read proves nothing).
 */
export function loadCheckpointKey(home: string): CheckpointKey {
  const file = path.join(home, CHECKPOINT_KEY_FILE);
  let pem: string;
  try {
    mkdirSync(home, { recursive: true, mode: 0o700 });
    try {
      const { privateKey } = generateKeyPairSync('ed25519');
      const text = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      // `wx`: never replace a key that exists (another process may have just created it).
      writeFileSync(file, text, { flag: 'wx', mode: 0o600 });
      chmodSync(file, 0o600);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const mode = statSync(file).mode & 0o077;
    if (mode !== 0) {
      throw new SystemError('store-failed', `${file} may be read or written by other users`, {
        hint: `chmod 600 ${file}`,
      });
    }
    pem = readFileSync(file, 'utf8');
  } catch (error) {
    if (error instanceof SystemError) throw error;
    throw new SystemError(
      'store-failed',
      `cannot read or create the journal key ${file}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (error) {
    throw new SystemError('journal-corrupt', `${file} does not hold a private key`, {
      cause: error,
      hint: 'restore the key from a backup; without it, older checkpoints cannot be checked',
    });
  }
  const publicKey = createPublicKey(privateKey);
  return {
    sign: (data) => sign(null, Buffer.from(data), privateKey).toString('base64'),
    verify: (data, signature) => {
      try {
        return verify(null, Buffer.from(data), publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}
