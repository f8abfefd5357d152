import { posix } from 'node:path';
import { DockerfileParser, From, JSONInstruction, Run } from 'dockerfile-ast';
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

/** A `--from`/`from=` that names an earlier stage (by name or index) rather than an image. */
function isStage(name: string, stages: ReadonlySet<string>): boolean {
  return stages.has(name.toLowerCase()) || /^\d+$/.test(name);
}

/**
 * The images a Dockerfile reads: its `FROM` lines (not `scratch`, not an earlier stage), `COPY --from`
 * and `ADD --from` of an image, and `RUN --mount=…,from=IMAGE`. Parsed as Docker does (dockerfile-ast:
 * line continuations, the `# escape=` directive), so a line split in two cannot hide an image. Pure.
 */
export function dockerfileBases(dockerfile: string): string[] {
  const parsed = DockerfileParser.parse(dockerfile);
  const stages = new Set<string>();
  const images: string[] = [];
  const add = (image: string) => {
    if (image !== '' && image.toLowerCase() !== 'scratch' && !isStage(image, stages)) images.push(image);
  };
  for (const instruction of parsed.getInstructions()) {
    if (instruction instanceof From) {
      add(instruction.getImage() ?? '');
      const stage = instruction.getBuildStage();
      if (stage) stages.add(stage.toLowerCase());
    } else if (instruction instanceof JSONInstruction || instruction instanceof Run) {
      for (const flag of instruction.getFlags()) {
        const value = flag.getValue() ?? '';
        if (flag.getName() === 'from') add(value);
        if (flag.getName() === 'mount') {
          for (const option of value.split(',')) {
            const [key, image] = option.split('=', 2);
            if (key === 'from' && image !== undefined) add(image);
          }
        }
      }
    }
  }
  return images;
}

/**
 * What a Dockerfile's `ADD` lines would fetch from the network: buildah fetches them itself, on the
 * host's network (drydock's loopback services included), not from a RUN step's sandbox. Pure.
 */
export function dockerfileFetches(dockerfile: string): string[] {
  const fetched: string[] = [];
  for (const instruction of DockerfileParser.parse(dockerfile).getInstructions()) {
    if (instruction.getKeyword() !== 'ADD') continue;
    // Every argument but the last (the destination) is a source.
    const sources = instruction
      .getArguments()
      .map((argument) => argument.getValue())
      .slice(0, -1);
    fetched.push(
      ...sources.filter((source) => /^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^git@/.test(source)),
    );
  }
  return fetched;
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
