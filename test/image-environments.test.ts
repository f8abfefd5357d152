/**
 * Environments on a declared image, end to end (real git, buildah-built images in OCI layouts, skopeo,
 * umoci, bubblewrap, overlayfs, SQLite, a scripted model): the environment image is keyed by the image's
 * digest (reused for the same digest, rebuilt for a new one) and records its root, which another machine
 * fetches from the snapshot store instead of pulling; registry credentials never reach a sandbox or the
 * log; a session on a devcontainer's Dockerfile delivers and its log says which image ran.
 *
 * What the sandbox sees as `/` is bubblewrap's part (SandboxSpec.root): the tests that look at the
 * sandbox's /etc/os-release run once the provider honours it (probed, not assumed).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envBuild, envList } from '../src/cli/commands/env.ts';
import type { SessionEvent } from '../src/core/events.ts';
import type { SandboxProvider, SandboxRoot } from '../src/core/ports/sandbox.ts';
import { GLOBAL_SCOPE, type Store } from '../src/core/ports/store.ts';
import type { Session } from '../src/core/session.ts';
import { createFileSnapshotStore } from '../src/environments/file-snapshot-store.ts';
import { createImageRoots, imageRecordsDir } from '../src/environments/image-roots.ts';
import { type PreparedEnvironment, prepareEnvironment } from '../src/environments/prepare-environment.ts';
import { createRedactor } from '../src/environments/redactor.ts';
import { createSecretBox } from '../src/environments/secret-box.ts';
import { createSecretVault, type SecretVault } from '../src/environments/secret-vault.ts';
import type { Script } from '../src/models/script-file.ts';
import { createSession } from '../src/sessions/create-session.ts';
import { runSession } from '../src/sessions/run-session.ts';
import type { SessionDeps } from '../src/sessions/session-deps.ts';
import { baseLayerFor, openSessionLayers, type SessionLayers } from '../src/sessions/session-workspace.ts';
import { bubblewrapSessions, eventsOfType } from './support/bubblewrap-sessions.ts';
import { buildTestImage, canBuildImages } from './support/oci-images.ts';

// Repositories here name images in OCI layouts on this machine: the operator's opt-in.
process.env.DRYDOCK_LOCAL_IMAGES = '1';

const sessionsHome = await bubblewrapSessions(`drydock-image-env-${randomBytes(3).toString('hex')}-`);
const { dir, mode, reason } = sessionsHome;
// Lowercase: buildah names a `FROM oci:PATH` image after its path, and image names are lowercase.
const images = join(tmpdir(), `drydock-image-env-oci-${randomBytes(4).toString('hex')}`);
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const REGISTRY_PASSWORD = `pw-${randomBytes(8).toString('hex')}`;

function osRelease(id: string): Record<string, string> {
  return { 'etc/os-release': `ID=${id}\nPRETTY_NAME="drydock test image ${id}"\n` };
}

/** Whether the provider runs a sandbox on `root` (bubblewrap's half of image environments). */
async function honoursRoot(provider: SandboxProvider, root: SandboxRoot): Promise<boolean> {
  const workspace = join(dir, `probe-${randomBytes(3).toString('hex')}`);
  await mkdir(workspace);
  const sandbox = await provider.create({ sessionId: 'root-probe', workspacePath: workspace, root });
  try {
    const result = await sandbox.exec('cat /etc/os-release');
    return result.output.includes('ID=drydock-probe');
  } catch {
    return false;
  } finally {
    await sandbox.destroy();
    await rm(workspace, { recursive: true, force: true });
  }
}

async function commitRepo(repo: string, files: Record<string, string>): Promise<string> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(repo, path, '..'), { recursive: true });
    await writeFile(join(repo, path), content);
  }
  git(repo, 'add', '-A');
  git(repo, '-c', 'user.email=dev@example.org', '-c', 'user.name=Dev', 'commit', '-q', '-m', 'change');
  return git(repo, 'rev-parse', 'HEAD');
}

const skip = mode !== 'overlay' || !canBuildImages();
const NEEDS_ROOT =
  'the sandbox provider does not run on SandboxSpec.root here yet (the bubblewrap half of issue 22)';

describe.skipIf(skip)(`environment images on a declared image (${reason})`, () => {
  let store: Store;
  let deps: SessionDeps;
  let vault: SecretVault;
  let probeRoot = false;
  const sessions: string[] = [];

  beforeAll(async () => {
    ({ store, deps } = await sessionsHome.open({
      idPrefix: 'i',
      scripts: { onimage: deliverScript },
      vault: async (opened) => {
        vault = createSecretVault(opened, createSecretBox(randomBytes(32)));
        await vault.set(GLOBAL_SCOPE, 'REGISTRY', `robot:${REGISTRY_PASSWORD}`);
        return vault;
      },
    }));
    const probe = buildTestImage(images, 'probe', { busybox: true, files: osRelease('drydock-probe') });
    const roots = createImageRoots({
      store: sessionsHome.layerStore,
      dir: join(dir, 'probe-records'),
      allowLocal: true,
    });
    const prepared = await roots.prepare({
      source: { kind: 'pull', reference: probe, credentials: null, declaredIn: 'probe' },
      repo: dir,
      commit: 'HEAD',
      credentials: null,
      redact: createRedactor([]),
    });
    probeRoot = await honoursRoot(deps.sandboxes, {
      path: sessionsHome.layerStore.pathOf(prepared.layer),
      label: 'probe',
    });
  }, 120_000);

  afterAll(async () => {
    await sessionsHome.close(sessions);
    await rm(images, { recursive: true, force: true });
  });

  describe('prepareEnvironment', () => {
    const repo = join(dir, 'repo-pull');
    let reference: string;
    let commit: string;
    let layers: SessionLayers;
    let snapshots: Awaited<ReturnType<typeof createFileSnapshotStore>>;

    const machine = async (name: string): Promise<SessionLayers> => {
      const opened = await openSessionLayers(join(dir, name), deps.sandboxes, { snapshotStore: snapshots });
      if (!opened.layers) throw new Error('overlay mode expected');
      return opened.layers;
    };
    const prepare = (on: SessionLayers, at = commit): Promise<PreparedEnvironment> =>
      prepareEnvironment(
        {
          store,
          clock: deps.clock,
          vault,
          layers: on,
          baseLayer: (r, c) => baseLayerFor(on.store, r, c),
          confinement: deps.sandboxes.confinement,
          imageRoots: async () =>
            createImageRoots({
              store: on.store,
              dir: imageRecordsDir(on.store),
              ...(on.sync ? { sync: on.sync } : {}),
              allowLocal: true,
            }),
        },
        { repo, commit: at },
      );

    beforeAll(async () => {
      snapshots = await createFileSnapshotStore(join(dir, 'snapshots'));
      layers = await machine('machine-a');
      reference = buildTestImage(images, 'pulled', { busybox: true, files: osRelease('drydock-one') });
      await mkdir(repo);
      git(repo, 'init', '-q', '-b', 'main');
      commit = await commitRepo(repo, {
        '.drydock/config.yaml': [
          `image: { from: "${reference}", credentials: REGISTRY }`,
          'setup:',
          '  - cat /etc/os-release > .setup-saw; env > .setup-env',
          '',
        ].join('\n'),
        '.gitignore': '.setup-*\n',
      });
    }, 120_000);

    it('runs setup on the image root and keys the environment image by its digest', async () => {
      const first = await prepare(layers);
      expect(first.built).toBe(true);
      expect(first.imageRoot).toMatchObject({ reference, unpacked: true });
      const digest = first.imageRoot!.digest;
      expect(first.root).toMatchObject({
        path: layers.store.pathOf(first.imageRoot!.layer),
        label: `${reference}@${digest}`,
      });
      expect(first.image?.imageRoot).toMatchObject({ reference, digest, layer: first.imageRoot!.layer });

      const again = await prepare(layers);
      expect(again).toMatchObject({ built: false, decision: { action: 'reuse' } });
      expect(again.image?.id).toBe(first.image?.id);
      expect(again.imageRoot?.unpacked).toBe(false);

      // The registry credentials went to the image tools only: not into setup, not into its log.
      const setupLayer = layers.store.pathOf(first.image!.layers.at(-1)!);
      expect(await readFile(join(setupLayer, '.setup-env'), 'utf8')).not.toContain(REGISTRY_PASSWORD);
      expect(first.log).not.toContain(REGISTRY_PASSWORD);
    }, 120_000);

    it('setup saw the image’s /etc/os-release, not the host’s', async (context) => {
      context.skip(!probeRoot, NEEDS_ROOT);
      const prepared = await prepare(layers);
      const setupLayer = layers.store.pathOf(prepared.image!.layers.at(-1)!);
      expect(await readFile(join(setupLayer, '.setup-saw'), 'utf8')).toContain('ID=drydock-one');
    });

    it('another machine fetches the image root from the snapshot store instead of unpacking it', async () => {
      const built = await prepare(layers);
      const b = await machine('machine-b');
      expect(await b.store.list()).toEqual([]);
      const reused = await prepare(b);
      expect(reused).toMatchObject({
        built: false,
        imageRoot: { unpacked: false, digest: built.imageRoot!.digest },
      });
      expect(await b.store.has(built.imageRoot!.layer)).toBe(true);
    }, 120_000);

    it('a new digest behind the same reference rebuilds the environment image', async () => {
      const before = await prepare(layers);
      // The same oci: reference, now holding another image.
      await rm(join(images, 'pulled'), { recursive: true, force: true });
      buildTestImage(images, 'pulled', { busybox: true, files: osRelease('drydock-two') });
      const after = await prepare(layers);
      expect(after.imageRoot!.digest).not.toBe(before.imageRoot!.digest);
      expect(after).toMatchObject({ built: true, imageRoot: { unpacked: true } });
      expect(after.image!.id).not.toBe(before.image!.id);
      expect(after.image!.inputsHash).not.toBe(before.image!.inputsHash);
      expect(await readFile(join(after.root!.path, 'etc/os-release'), 'utf8')).toContain('ID=drydock-two');
    }, 120_000);

    it('drydock env build shows each step and the digest; env list shows reference@digest', async () => {
      let built = '';
      await envBuild(deps, repo, { ref: 'HEAD', force: true }, (text) => {
        built += text;
      });
      for (const step of ['resolving', 'pulling', 'unpacking', 'storing']) {
        expect(built).toContain(`image ${reference}: ${step}…`);
      }
      expect(built).toMatch(/image oci:\S+ at sha256:[0-9a-f]{64}: unpacked in [\d.]+ s/);
      let listed = '';
      await envList(deps, repo, (text) => {
        listed += text;
      });
      expect(listed).toMatch(
        new RegExp(`on ${reference.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}@sha256:[0-9a-f]{64}`),
      );
    }, 120_000);
  });

  describe('a session on a devcontainer Dockerfile', () => {
    const repo = join(dir, 'repo-devcontainer');
    let session: Session;
    let events: SessionEvent[];

    beforeAll(async () => {
      const base = buildTestImage(images, 'devbase', { busybox: true, files: osRelease('drydock-dev') });
      await mkdir(repo);
      git(repo, 'init', '-q', '-b', 'main');
      await commitRepo(repo, {
        '.devcontainer/devcontainer.json': JSON.stringify({
          build: { dockerfile: 'Dockerfile', args: { MARK: 'from-the-dockerfile' } },
          postCreateCommand: 'echo set up > .setup-done',
          containerEnv: { IMAGE_NOTE: 'devcontainer env' },
        }),
        '.devcontainer/Dockerfile': `FROM ${base}\nARG MARK\nRUN echo "$MARK" > /marker\n`,
        '.drydock/config.yaml': 'checks:\n  test: test -f README.md\n',
        '.gitignore': '.setup-done\n',
        'README.md': 'before\n',
      });
      const created = await createSession(deps, { task: 'update the README', repo, model: 'script:onimage' });
      sessions.push(created.id);
      session = await runSession(deps, created.id);
      events = await store.listEvents(created.id);
    }, 240_000);

    it('delivers, and the log records the image it ran on', async () => {
      expect(session.reason ?? '').toBe('');
      expect(session.state).toBe('delivered');
      const [planned] = eventsOfType(events, 'environment.planned');
      expect(planned?.image).toMatchObject({
        reference: '.devcontainer/Dockerfile',
        digest: expect.stringMatching(/^build:[0-9a-f]{64}$/),
        unpacked: true,
      });
      expect(eventsOfType(events, 'environment.obtaining').map((each) => each.step)).toEqual([
        'resolving',
        'building',
        'unpacking',
        'storing',
      ]);
      const [image] = eventsOfType(events, 'environment.image');
      expect((await store.getEnvironment(image!.imageId))?.imageRoot?.digest).toBe(planned?.image?.digest);
      const [delivered] = eventsOfType(events, 'delivery.branch');
      expect(git(repo, 'show', `${delivered!.commit}:README.md`)).toBe('after');
    });

    it('ran its commands on the image: its os-release, its marker, its env', (context) => {
      context.skip(!probeRoot, NEEDS_ROOT);
      const output = JSON.stringify(eventsOfType(events, 'tool.result').find((data) => data.tool === 'bash'));
      expect(output).toContain('ID=drydock-dev');
      expect(output).toContain('from-the-dockerfile');
      expect(output).toContain('devcontainer env');
    });
  });
});

const deliverScript: Script = {
  coder: [
    {
      text: 'Where am I?',
      toolCalls: [
        { name: 'bash', input: { command: 'cat /etc/os-release; cat /marker; echo "$IMAGE_NOTE"' } },
      ],
    },
    { toolCalls: [{ name: 'write_file', input: { path: 'README.md', content: 'after\n' } }] },
    { toolCalls: [{ name: 'finish', input: { summary: 'Updated the README.' } }] },
  ],
  reviewer: [{ toolCalls: [{ name: 'submit_review', input: { findings: [], summary: 'fine' } }] }],
};
