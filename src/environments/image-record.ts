import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { EnvironmentImageRoot } from '../core/ports/store.ts';

/**
 * What an unpacked image is on this machine: the image (its digest, or a build's key), the layer its
 * root file system became, and what the image's config says about running it. Kept as one small JSON
 * file per digest in `<home>/images`, so a second use of the digest unpacks nothing.
 */
export interface ImageRecord extends EnvironmentImageRoot {
  createdAt: string;
}

const recordSchema = z.object({
  version: z.literal(1),
  reference: z.string(),
  digest: z.string(),
  layer: z.string().regex(/^[0-9a-f]{64}$/),
  env: z.record(z.string(), z.string()),
  workingDir: z.string().nullable(),
  user: z.string().nullable(),
  createdAt: z.string(),
});

const DIGEST = /^[a-z0-9]+:[0-9a-f]{32,128}$/;

function fileOf(dir: string, digest: string): string {
  if (!DIGEST.test(digest)) throw new Error(`"${digest}" is not an image digest.`);
  return join(dir, `${digest.replace(':', '-')}.json`);
}

/** The record of `digest`, or null when there is none (or it is unreadable: then the image is unpacked again). */
export async function readImageRecord(dir: string, digest: string): Promise<ImageRecord | null> {
  const text = await readFile(fileOf(dir, digest), 'utf8').catch(() => null);
  if (text === null) return null;
  try {
    const { version: _version, ...record } = recordSchema.parse(JSON.parse(text));
    return record.digest === digest ? record : null;
  } catch {
    return null;
  }
}

/** Writes the record atomically (a rename), replacing an older one for the digest. */
export async function writeImageRecord(dir: string, record: ImageRecord): Promise<void> {
  await mkdir(dir, { recursive: true });
  const target = fileOf(dir, record.digest);
  const temporary = `${target}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, `${JSON.stringify({ version: 1, ...record }, null, 2)}\n`);
    await rename(temporary, target);
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The layers every record names (what `drydock gc` keeps). */
export async function recordedImageLayers(dir: string): Promise<Set<string>> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const layers = new Set<string>();
  for (const name of names) {
    if (!name.endsWith('.json')) continue;
    const record = await readImageRecord(dir, name.slice(0, -'.json'.length).replace('-', ':')).catch(
      () => null,
    );
    if (record) layers.add(record.layer);
  }
  return layers;
}

/** `Env` entries (`NAME=value`) as a map; later entries win, malformed ones are skipped. Pure. */
export function envMap(entries: readonly string[] | null | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries ?? []) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  return env;
}
