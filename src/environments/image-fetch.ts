/*
 * Getting an image into an OCI layout with the tools a Linux host has: skopeo resolves and pulls a
 * reference, buildah builds a repository's Dockerfile (its RUN steps under runc with no network), each
 * with a private environment of its own. image-roots.ts unpacks and stores what they produce.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BadInputError, UnavailableError } from '../core/errors.ts';
import { git } from '../forge/git.ts';
import type { ImageRecord } from './image-record.ts';
import {
  describeSource,
  dockerfileBases,
  type ImageSource,
  pinReference,
  registryOf,
  transportReference,
} from './image-source.ts';
import { findImageTool, runTool, ToolFailure } from './image-tools.ts';
import type { Redact } from './redactor.ts';

/**
 * Where a Dockerfile's `RUN` steps run when drydock is root: a user namespace mapping the build's root
 * to these host ids (past the sandbox user's, DEFAULT_SANDBOX_HOST_ID), so a step is never root on the host.
 */
export const BUILD_USERNS_START = 2_100_000_000;
const BUILD_USERNS_SIZE = 65_536;
/** The tag an image gets in the OCI layout drydock copies or builds into. */
export const LAYOUT_TAG = 'image';

export type ImageStep = 'resolving' | 'pulling' | 'building' | 'unpacking' | 'storing';

export interface ImageProgress {
  step: ImageStep;
  /** The reference, or the Dockerfile. */
  source: string;
  /** A line the tool printed (redacted), or absent when the step starts. */
  line?: string;
}

export interface ImageRootRequest {
  source: ImageSource;
  /** The repository and commit a build's Dockerfile and context are read from. */
  repo: string;
  commit: string;
  /** `user:password` for the registry (the secret `source.credentials` names); never written but to a temporary auth file. */
  credentials: string | null;
  /** Everything a tool prints goes through it: progress lines and errors. */
  redact: Redact;
  onProgress?: (progress: ImageProgress) => void | Promise<void>;
  /**
   * What another machine unpacked for a digest (an environment image's root in the shared store), when
   * this one has no record: its layer is fetched from the snapshot store instead of pulling again.
   */
  known?: (digest: string) => Promise<Omit<ImageRecord, 'createdAt'> | null>;
  signal?: AbortSignal;
}

export interface ToolEnvironment {
  env: Record<string, string>;
  /** Flags naming the signature policy (accept what the registry serves: drydock pins digests itself). */
  policy: string;
  /** The auth file holding the credentials; null when there are none. */
  authfile: string | null;
  /** The tools' temporary directory (outside `work`): removed with it. */
  temporary: string;
}

/**
 * A private environment for the tools under `work`: their own HOME, runtime and temporary dirs, a
 * signature policy, registries.conf (short names are Docker Hub's, as Docker has it) and, with
 * credentials, an auth file (mode 0600) for the registries the source names: the credentials reach
 * skopeo and buildah through it, never a command line or a sandbox.
 */
export async function toolEnvironment(
  work: string,
  request: ImageRootRequest,
  dockerfile: string | null,
): Promise<ToolEnvironment> {
  for (const sub of ['home', 'run']) await mkdir(join(work, sub), { mode: 0o700 });
  // buildah mounts a build's root under TMPDIR, which a RUN step in its user namespace (an unprivileged
  // host id) must be able to reach: a directory of the system's temporary one, not under drydock's home.
  const temporary = await mkdtemp(join(tmpdir(), 'drydock-image-'));
  await chmod(temporary, 0o711);
  const policy = join(work, 'policy.json');
  await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
  const registries = join(work, 'registries.conf');
  await writeFile(
    registries,
    'unqualified-search-registries = ["docker.io"]\nshort-name-mode = "permissive"\n',
  );
  let authfile: string | null = null;
  if (request.credentials !== null) {
    const { source } = request;
    const hosts = (source.kind === 'pull' ? [source.reference] : dockerfileBases(dockerfile ?? ''))
      .map(registryOf)
      .filter((host): host is string => host !== null);
    const auth = Buffer.from(request.credentials).toString('base64');
    authfile = join(work, 'auth.json');
    await writeFile(
      authfile,
      JSON.stringify({ auths: Object.fromEntries([...new Set(hosts)].map((host) => [host, { auth }])) }),
      { mode: 0o600 },
    );
  }
  return {
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: join(work, 'home'),
      XDG_RUNTIME_DIR: join(work, 'run'),
      TMPDIR: temporary,
      CONTAINERS_REGISTRIES_CONF: registries,
      LC_ALL: 'C',
    },
    policy,
    authfile,
    temporary,
  };
}

/** The digest a reference resolves to now (skopeo inspect: the manifest, or the manifest list, digest). */
export async function resolveDigest(
  skopeo: string,
  reference: string,
  tools: ToolEnvironment,
  request: ImageRootRequest,
): Promise<string> {
  const out = await runTool(
    skopeo,
    [
      '--policy',
      tools.policy,
      'inspect',
      '--no-tags',
      ...(tools.authfile ? ['--authfile', tools.authfile] : []),
      '--format',
      '{{.Digest}}',
      transportReference(reference),
    ],
    { env: tools.env, ...(request.signal ? { signal: request.signal } : {}) },
  ).catch((error: unknown) => {
    throw pullFailed(reference, 'resolve', error, request.redact);
  });
  const digest = out.trim();
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new UnavailableError(
      'image_pull_failed',
      `skopeo inspect ${reference} gave "${request.redact(digest)}", not a digest.`,
    );
  }
  return digest;
}

export async function pull(
  skopeo: string,
  reference: string,
  digest: string,
  layout: string,
  tools: ToolEnvironment,
  request: ImageRootRequest,
  progress: (step: ImageStep, line?: string) => Promise<void>,
): Promise<void> {
  await runTool(
    skopeo,
    [
      '--policy',
      tools.policy,
      'copy',
      ...(tools.authfile ? ['--src-authfile', tools.authfile] : []),
      pinReference(reference, digest),
      `oci:${layout}:${LAYOUT_TAG}`,
    ],
    {
      env: tools.env,
      onLine: (line) => void progress('pulling', line),
      ...(request.signal ? { signal: request.signal } : {}),
    },
  ).catch((error: unknown) => {
    throw pullFailed(reference, 'pull', error, request.redact);
  });
}

/**
 * A Dockerfile build's key: its content, its build args, and every file of its context at the commit
 * (by git object id). A change to any of them is a new image. Cost: one git ls-tree.
 */
export async function buildKey(
  source: Extract<ImageSource, { kind: 'build' }>,
  dockerfile: string,
  request: ImageRootRequest,
): Promise<string> {
  const tree = await git(
    [
      'ls-tree',
      '-r',
      '--full-tree',
      request.commit,
      ...(source.context === '.' ? [] : ['--', source.context]),
    ],
    { cwd: request.repo },
  );
  const hash = createHash('sha256');
  hash.update(
    JSON.stringify({ dockerfile, args: Object.entries(source.args).sort(), context: source.context }),
  );
  hash.update(tree);
  return `build:${hash.digest('hex')}`;
}

export async function build(
  { buildah, runc }: { buildah: string; runc: string },
  what: {
    source: Extract<ImageSource, { kind: 'build' }>;
    dockerfile: string;
    digest: string;
    layout: string;
    work: string;
  },
  tools: ToolEnvironment,
  request: ImageRootRequest,
  progress: (step: ImageStep, line?: string) => Promise<void>,
): Promise<void> {
  const { source, digest, layout, work } = what;
  // The context as the commit has it (git archive: no checkout, nothing but tracked files).
  const context = join(work, 'context');
  await mkdir(context);
  const archive = join(work, 'context.tar');
  const treeish = source.context === '.' ? request.commit : `${request.commit}:${source.context}`;
  await git(['archive', '--format=tar', '-o', archive, treeish], { cwd: request.repo });
  await runTool('tar', ['-xf', archive, '-C', context], { env: tools.env });
  await rm(archive);
  const dockerfile = join(work, 'Dockerfile');
  await writeFile(dockerfile, what.dockerfile);
  const storage = storageFlags(work);
  const tag = `localhost/drydock-build:${digest.slice('build:'.length, 'build:'.length + 20)}`;
  const root = process.getuid?.() === 0;
  const signal = request.signal ? { signal: request.signal } : {};
  const failed = (error: unknown) => {
    const detail = describeFailure(error, request.redact);
    // Rootless buildah maps the build's ids through the user's subordinate ranges.
    const hint =
      !root && /subuid|subgid|newuidmap|uid_map|user namespace/i.test(detail)
        ? ` Building as a user other than root needs that user's ranges in /etc/subuid and /etc/subgid (usermod --add-subuids 100000-165535 --add-subgids 100000-165535 USER) and newuidmap (apt-get install uidmap).`
        : '';
    return new BadInputError(
      'image_build_failed',
      `Building ${describeSource(source)} (from ${source.declaredIn}) failed: ${detail}${hint}`,
      { cause: error },
    );
  };
  await runTool(
    buildah,
    [
      ...storage,
      'bud',
      // RUN steps are the repository's code: runc gives them namespaces of their own and no network at
      // all (not the host's, where drydock's API and database listen on loopback). A FROM image is still
      // pulled by buildah itself. Cgroups stay the host's (cgroupfs: no systemd needed).
      '--runtime',
      runc,
      '--isolation',
      root ? 'oci' : 'rootless',
      '--network',
      'none',
      '--cgroup-manager',
      'cgroupfs',
      '--signature-policy',
      tools.policy,
      ...(tools.authfile ? ['--authfile', tools.authfile] : []),
      ...(root
        ? [
            '--userns-uid-map',
            `0:${BUILD_USERNS_START}:${BUILD_USERNS_SIZE}`,
            '--userns-gid-map',
            `0:${BUILD_USERNS_START}:${BUILD_USERNS_SIZE}`,
          ]
        : []),
      ...Object.entries(source.args).flatMap(([name, value]) => ['--build-arg', `${name}=${value}`]),
      '-f',
      dockerfile,
      '-t',
      tag,
      context,
    ],
    { env: tools.env, onLine: (line) => void progress('building', line), ...signal },
  ).catch((error: unknown) => {
    throw failed(error);
  });
  await runTool(
    buildah,
    [...storage, 'push', '--signature-policy', tools.policy, tag, `oci:${layout}:${LAYOUT_TAG}`],
    { env: tools.env, ...signal },
  ).catch((error: unknown) => {
    throw failed(error);
  });
}

/** buildah's storage in the work directory (vfs: works on any file system, nested overlays included). */
function storageFlags(work: string): string[] {
  return [
    '--root',
    join(work, 'storage'),
    '--runroot',
    join(work, 'run', 'storage'),
    '--storage-driver',
    'vfs',
  ];
}

/**
 * Removes the work directory. Rootless buildah's storage holds files owned by the user's subordinate
 * ids, which only `buildah unshare` can remove.
 */
export async function removeWork(work: string, searchPath: string): Promise<void> {
  const removed = await rm(work, { recursive: true, force: true }).then(
    () => true,
    () => false,
  );
  if (removed) return;
  const buildah = await findImageTool('buildah', searchPath, 'cleaning up').catch(() => null);
  if (buildah) {
    await runTool(buildah, ['unshare', 'rm', '-rf', work], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: work },
    }).catch(() => {});
  }
  await rm(work, { recursive: true, force: true }).catch(() => {});
}

export function describeFailure(error: unknown, redact: Redact): string {
  if (error instanceof ToolFailure) return redact(`${error.tool} ${error.exit}: ${error.tail}`);
  return redact(error instanceof Error ? error.message : String(error));
}

/** A registry that refused (unknown image, no access) fails for good; anything else may pass on a retry. */
function pullFailed(reference: string, what: 'resolve' | 'pull', error: unknown, redact: Redact): Error {
  if (error instanceof Error && error.name === 'AbortError') return error;
  const detail = describeFailure(error, redact);
  const permanent =
    /manifest unknown|not found|unauthorized|denied|no such file|does not exist|invalid reference/i.test(
      detail,
    );
  return new UnavailableError(
    'image_pull_failed',
    `Could not ${what} the image ${reference}: ${detail}${permanent ? '' : ' (the registry may be unreachable; it is retried)'}`,
    { cause: error, transient: !permanent },
  );
}
