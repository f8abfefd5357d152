import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BadInputError, InternalError } from '../core/errors.ts';

/** Encrypts secrets at rest (AES-256-GCM). The store only ever sees `v1:<iv>:<tag>:<ciphertext>` (base64). */
export interface SecretBox {
  seal(plain: string): string;
  open(sealed: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32)
    throw new BadInputError('bad_secret_key', 'The secret key must be 32 bytes (base64 or hex).');
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv, cipher.getAuthTag(), data]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64')))
        .join(':');
    },
    open(sealed) {
      const [version, iv, tag, data] = sealed.split(':');
      if (version !== 'v1' || !iv || !tag || data === undefined) {
        throw new InternalError('bad_sealed_secret', 'A stored secret is not in the v1 format.');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(data, 'base64')), decipher.final()]).toString(
          'utf8',
        );
      } catch (error) {
        throw new InternalError(
          'secret_key_mismatch',
          'A stored secret does not open with this key: DRYDOCK_SECRET_KEY changed?',
          {
            cause: error,
          },
        );
      }
    },
  };
}

/** DRYDOCK_SECRET_KEY (base64 or hex, 32 bytes), else `keyFile`, created (mode 0600) on first use. */
export async function loadSecretKey(
  env: Record<string, string | undefined>,
  keyFile: string,
): Promise<Buffer> {
  const fromEnv = env.DRYDOCK_SECRET_KEY?.trim();
  if (fromEnv) return decodeKey(fromEnv);
  const stored = await readFile(keyFile, 'utf8').catch(() => null);
  if (stored) return decodeKey(stored.trim());
  const key = randomBytes(32);
  await mkdir(dirname(keyFile), { recursive: true });
  await writeFile(keyFile, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' }).catch(async () => {
    // Another process created it first: use theirs.
  });
  return decodeKey((await readFile(keyFile, 'utf8')).trim());
}

function decodeKey(text: string): Buffer {
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64');
  if (key.length !== 32)
    throw new BadInputError('bad_secret_key', 'DRYDOCK_SECRET_KEY must be 32 bytes, base64 or hex.');
  return key;
}
