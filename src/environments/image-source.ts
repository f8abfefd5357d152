import { posix } from 'node:path';
import { BadInputError } from '../core/errors.ts';

/**
 * Where a repository's sandbox root comes from: an image to pull (`reference`), or a Dockerfile in the
 * repository to build. Paths are relative to the repository's root, normalized, never outside it.
 */
export type ImageSource =
  | {
      kind: 'pull';
      reference: string;
      /** The secret (`user:password`) that logs in to the reference's registry; null: anonymous. */
      credentials: string | null;
      /** The file that declared it, for messages. */
      declaredIn: string;
    }
  | {
      kind: 'build';
      dockerfile: string;
      context: string;
      args: Record<string, string>;
      /** The secret (`user:password`) for the registries its `FROM` lines name; null: anonymous. */
      credentials: string | null;
      declaredIn: string;
    };

/** Transports skopeo reads that name something on this machine rather than a registry. */
export const LOCAL_TRANSPORTS = ['oci:', 'oci-archive:', 'docker-archive:', 'containers-storage:', 'dir:'];

/** Whether a reference names an image on this machine (a path, the host's container storage). Pure. */
export function isLocalReference(reference: string): boolean {
  return LOCAL_TRANSPORTS.some((transport) => reference.startsWith(transport));
}

/**
 * The reference as skopeo takes it: `docker://` in front of a plain one (`debian:12`), one that
 * carries a transport as it is. Pure.
 */
export function transportReference(reference: string): string {
  if (reference.startsWith('docker://') || isLocalReference(reference)) return reference;
  return `docker://${reference}`;
}

/**
 * A registry reference pinned to `digest`: its tag (or older digest) replaced, so the image copied is
 * the one resolved. Local references cannot be pinned and come back unchanged. Pure.
 */
export function pinReference(reference: string, digest: string): string {
  const full = transportReference(reference);
  if (!full.startsWith('docker://')) return full;
  const name = full.slice('docker://'.length).split('@')[0]!;
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  const repository = colon > slash ? name.slice(0, colon) : name;
  return `docker://${repository}@${digest}`;
}

/**
 * The registry host a plain reference names (`ghcr.io/a/b:1` → `ghcr.io`; `debian:12` → `docker.io`),
 * as container tools key their auth files. Null for a local reference. Pure.
 */
export function registryOf(reference: string): string | null {
  const full = transportReference(reference);
  if (!full.startsWith('docker://')) return null;
  const first = full.slice('docker://'.length).split('/')[0]!;
  const hasHost = full.slice('docker://'.length).includes('/') && /[.:]|^localhost$/.test(first);
  return hasHost ? first : 'docker.io';
}

/** The images a Dockerfile's `FROM` lines name (not `scratch`, not an earlier stage). Pure. */
export function dockerfileBases(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const match = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!match) continue;
    const image = match[1]!;
    if (image.toLowerCase() !== 'scratch' && !stages.has(image.toLowerCase())) bases.push(image);
    if (match[2]) stages.add(match[2].toLowerCase());
  }
  return bases;
}

/**
 * A path from a declaration, relative to `base` (a directory in the repository), normalized and
 * relative to the repository's root. Throws `invalid_image` for one that leaves the repository. Pure.
 */
export function repositoryPath(base: string, path: string, declaredIn: string): string {
  const joined = posix.normalize(posix.join(base, path));
  if (posix.isAbsolute(path) || joined === '..' || joined.startsWith('../')) {
    throw new BadInputError(
      'invalid_image',
      `${declaredIn}: "${path}" is outside the repository; a Dockerfile and its build context must be in it.`,
    );
  }
  return joined === '' ? '.' : joined;
}

/** How the log and errors name a source: the reference, or the Dockerfile. Pure. */
export function describeSource(source: ImageSource): string {
  return source.kind === 'pull'
    ? source.reference
    : `${source.dockerfile} (context ${source.context === '.' ? 'the repository' : source.context})`;
}
