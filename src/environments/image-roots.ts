import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { BadInputError, InternalError } from '../core/errors.ts';
import type { SandboxRoot } from '../core/ports/sandbox.ts';
import {
  build,
  buildKey,
  describeFailure,
  type ImageRootRequest,
  type ImageStep,
  LAYOUT_TAG,
  pull,
  removeWork,
  resolveDigest,
  type ToolEnvironment,
  toolEnvironment,
} from './image-fetch.ts';
import { envMap, type ImageRecord, readImageRecord, writeImageRecord } from './image-record.ts';
import {
  describeSource,
  dockerfileBases,
  dockerfileFetches,
  type ImageSource,
  isLocalReference,
} from './image-source.ts';
import { findImageTool, type ImageTool, runTool } from './image-tools.ts';
import type { LayerStore } from './layer-store.ts';
import type { LayerSync } from './layer-sync.ts';
import { readFileAt } from './repo-files.ts';

export {
  BUILD_USERNS_START,
  type ImageProgress,
  type ImageRootRequest,
  type ImageStep,
} from './image-fetch.ts';

export interface PreparedImage extends ImageRecord {
  /** Whether this call pulled (or built) and unpacked it; false when the record had it. */
  unpacked: boolean;
  durationMs: number;
}

/** Images unpacked into root file systems, one layer each, reused by digest. */
export interface ImageRoots {
  /** `<home>/images`: one record per digest. */
  readonly dir: string;
  readonly store: LayerStore;
  /**
   * Resolves the source to a digest (skopeo inspect; a build's key is a hash of its Dockerfile, context
   * files and args), and returns the record of its unpacked root: from `<home>/images` when the
   * layer is here (or fetched through the snapshot store), else pulled or built, unpacked (umoci) and
   * adopted into the layer store. Concurrent calls for one digest share the work.
   */
  prepare(request: ImageRootRequest): Promise<PreparedImage>;
}

export interface ImageRootsOptions {
  store: LayerStore;
  /** Where the records go (`<home>/images`). */
  dir: string;
  /** The snapshot store shared by every machine: an unpacked root is uploaded, a missing one fetched. */
  sync?: LayerSync;
  /**
   * Whether a repository may name an image on this machine (`oci:`, `oci-archive:`, … a host path, or
   * the host's container storage). Off by default: what a repository names is untrusted, and a local
   * reference reads host files into its sandbox. DRYDOCK_LOCAL_IMAGES=1 turns it on.
   */
  allowLocal?: boolean;
  /** Where the tools are looked up (a PATH). Default: drydock's PATH. */
  searchPath?: string;
}

/** Where the records of a layer store's unpacked images live: `<home>/images`, beside `<home>/layers`. */
export function imageRecordsDir(store: LayerStore): string {
  return join(dirname(store.root), 'images');
}

const opened = new Map<string, ImageRoots>();

/**
 * The image roots of a layer store (one per store in a process, so concurrent sessions share one
 * unpack of a digest). Local references are allowed where DRYDOCK_LOCAL_IMAGES=1.
 */
export function imageRootsFor(store: LayerStore, sync?: LayerSync): ImageRoots {
  let roots = opened.get(store.root);
  if (!roots) {
    roots = createImageRoots({
      store,
      dir: imageRecordsDir(store),
      ...(sync ? { sync } : {}),
      allowLocal: process.env.DRYDOCK_LOCAL_IMAGES === '1',
    });
    opened.set(store.root, roots);
  }
  return roots;
}

export function createImageRoots(options: ImageRootsOptions): ImageRoots {
  const { store, dir } = options;
  const searchPath = options.searchPath ?? process.env.PATH ?? '/usr/bin:/bin';
  const pending = new Map<string, Promise<PreparedImage>>();

  const present = async (layer: string): Promise<boolean> => {
    if (await store.has(layer)) return true;
    if (!options.sync) return false;
    return options.sync.fetchMissing([layer]).then(
      () => true,
      () => false,
    );
  };

  return {
    dir,
    store,
    async prepare(request) {
      const started = Date.now();
      const { source } = request;
      const label = describeSource(source);
      const progress = async (step: ImageStep, line?: string) => {
        await request.onProgress?.({
          step,
          source: label,
          ...(line === undefined ? {} : { line: request.redact(line) }),
        });
      };
      const dockerfile = await dockerfileOf(request);
      refuseHostAccess(source, options.allowLocal ?? false, dockerfile);
      const work = await store.stagingDir();
      let tools: ToolEnvironment | undefined;
      try {
        tools = await toolEnvironment(work, request, dockerfile);
        const env = tools;
        const tool = (name: ImageTool) =>
          findImageTool(
            name,
            searchPath,
            `${source.declaredIn} names an image (${label}); ${name === 'buildah' || name === 'runc' ? 'building' : name === 'skopeo' ? 'pulling' : 'unpacking'} it`,
          );
        await progress('resolving');
        const digest =
          source.kind === 'pull'
            ? await resolveDigest(await tool('skopeo'), source.reference, env, request)
            : await buildKey(source, dockerfile ?? '', request);
        let shared = pending.get(digest);
        if (!shared) {
          shared = (async (): Promise<PreparedImage> => {
            const known = await readImageRecord(dir, digest);
            if (known && (await present(known.layer))) {
              return { ...known, unpacked: false, durationMs: Date.now() - started };
            }
            const elsewhere = await request.known?.(digest);
            if (elsewhere && elsewhere.digest === digest && (await present(elsewhere.layer))) {
              const record = { ...elsewhere, createdAt: new Date().toISOString() };
              await writeImageRecord(dir, record);
              return { ...record, unpacked: false, durationMs: Date.now() - started };
            }
            const layout = join(work, 'oci');
            if (source.kind === 'pull') {
              await progress('pulling');
              await pull(await tool('skopeo'), source.reference, digest, layout, env, request, progress);
            } else {
              await progress('building');
              await build(
                { buildah: await tool('buildah'), runc: await tool('runc') },
                { source, dockerfile: dockerfile ?? '', digest, layout, work },
                env,
                request,
                progress,
              );
            }
            await progress('unpacking');
            const umoci = await tool('umoci');
            const bundle = join(work, 'bundle');
            await runTool(
              umoci,
              [
                'unpack',
                ...(process.getuid?.() === 0 ? [] : ['--rootless']),
                '--image',
                `${layout}:${LAYOUT_TAG}`,
                bundle,
              ],
              { env: env.env, ...(request.signal ? { signal: request.signal } : {}) },
            ).catch((error: unknown) => {
              throw new InternalError(
                'image_unpack_failed',
                `Could not unpack ${label}: ${describeFailure(error, request.redact)}`,
                { cause: error },
              );
            });
            const config = await readLayoutConfig(layout);
            await progress('storing');
            const adopted = await store.adopt(join(bundle, 'rootfs'));
            await options.sync?.upload([adopted.id]);
            const record: ImageRecord = {
              reference: source.kind === 'pull' ? source.reference : source.dockerfile,
              digest,
              layer: adopted.id,
              env: envMap(config.Env),
              workingDir: config.WorkingDir || null,
              user: config.User || null,
              createdAt: new Date().toISOString(),
            };
            await writeImageRecord(dir, record);
            return { ...record, unpacked: true, durationMs: Date.now() - started };
          })().finally(() => pending.delete(digest));
          pending.set(digest, shared);
        }
        return await shared;
      } finally {
        await removeWork(work, searchPath);
        if (tools) await removeWork(tools.temporary, searchPath);
      }
    },
  };
}

/**
 * The sandbox root of an unpacked image: its layer, labelled with the reference and digest, its own
 * environment under `extraEnv` (a devcontainer's containerEnv and remoteEnv).
 */
export function sandboxRootOf(
  image: Pick<ImageRecord, 'reference' | 'digest' | 'layer' | 'env'>,
  store: LayerStore,
  extraEnv: Record<string, string> = {},
): SandboxRoot {
  return {
    path: store.pathOf(image.layer),
    label: `${image.reference}@${image.digest}`,
    env: { ...image.env, ...extraEnv },
  };
}

async function dockerfileOf(request: ImageRootRequest): Promise<string | null> {
  if (request.source.kind !== 'build') return null;
  const content = await readFileAt(request.repo, request.commit, request.source.dockerfile);
  if (content === null) {
    throw new BadInputError(
      'invalid_image',
      `${request.source.declaredIn} builds ${request.source.dockerfile}, which is not in the repository at ${request.commit.slice(0, 12)}.`,
    );
  }
  return content.toString('utf8');
}

/**
 * Refuses what would let a repository's declaration reach the host outside a sandbox: an `ADD` from the
 * network (always), and an image on this machine (unless the operator allows local images).
 */
function refuseHostAccess(source: ImageSource, allowLocal: boolean, dockerfile: string | null): void {
  const fetches = dockerfileFetches(dockerfile ?? '');
  if (fetches.length > 0) {
    throw new BadInputError(
      'dockerfile_fetch_refused',
      `${source.declaredIn}: the Dockerfile ADDs from the network (${fetches.join(', ')}), which buildah would fetch on drydock's own host, outside any sandbox. Download it in setup (through drydock's proxy, to the setup hosts) or COPY it from the repository.`,
    );
  }
  if (allowLocal) return;
  const local =
    source.kind === 'pull'
      ? [source.reference].filter(isLocalReference)
      : dockerfileBases(dockerfile ?? '').filter(isLocalReference);
  if (local.length === 0) return;
  throw new BadInputError(
    'local_image_refused',
    `${source.declaredIn} names an image on this machine (${local.join(', ')}). A repository may read local images only where the operator allows it: DRYDOCK_LOCAL_IMAGES=1. Name a registry image instead (debian:12, ghcr.io/owner/image:tag).`,
  );
}

const descriptor = z.object({ digest: z.string().regex(/^sha256:[0-9a-f]{64}$/) });
const indexSchema = z.object({
  manifests: z.array(descriptor.extend({ annotations: z.record(z.string(), z.string()).optional() })).min(1),
});
const manifestSchema = z.object({ config: descriptor });
const configSchema = z.object({
  config: z
    .object({
      Env: z.array(z.string()).nullish(),
      WorkingDir: z.string().nullish(),
      User: z.string().nullish(),
    })
    .nullish(),
});

/** The image config (`Env`, `WorkingDir`, `User`) of the layout's image, read from its blobs. */
async function readLayoutConfig(
  layout: string,
): Promise<{ Env?: string[] | null; WorkingDir?: string | null; User?: string | null }> {
  const blob = async (digest: string): Promise<unknown> =>
    JSON.parse(await readFile(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8'));
  const index = indexSchema.parse(JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')));
  const entry =
    index.manifests.find((each) => each.annotations?.['org.opencontainers.image.ref.name'] === LAYOUT_TAG) ??
    index.manifests[0]!;
  const manifest = manifestSchema.parse(await blob(entry.digest));
  return configSchema.parse(await blob(manifest.config.digest)).config ?? {};
}
