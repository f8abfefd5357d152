import { BadInputError } from '../../core/errors.ts';
import type { EnvironmentImage } from '../../core/ports/store.ts';
import { prepareEnvironment, RUNTIME_VERSION } from '../../environments/prepare-environment.ts';
import { formatAge } from '../../environments/rebuild-policy.ts';
import { NO_SECRETS } from '../../environments/secret-vault.ts';
import { resolveLocalRepository } from '../../forge/local-repository.ts';
import type { SessionDeps } from '../../sessions/session-deps.ts';
import { imageRootsOf } from '../../sessions/session-environment.ts';
import { baseLayerFor, openSessionLayers, type SessionLayers } from '../../sessions/session-workspace.ts';

type Write = (text: string) => void;

/** Layered workspaces for image commands: the session's if on, else opened here (images need overlayfs). */
async function layersFor(deps: SessionDeps): Promise<SessionLayers> {
  if (deps.layers) return deps.layers;
  const { layers, reason } = await openSessionLayers(deps.home, deps.sandboxes);
  if (!layers) {
    throw new BadInputError(
      'images_unavailable',
      `Environment images need overlayfs layers, and here ${reason}. Sessions still run setup in each workspace.`,
    );
  }
  return layers;
}

/**
 * `drydock env build <repo>`: finds or builds the repository's environment image at `ref`, streaming
 * setup's output. A current image is kept unless `force`. Returns the image (null: nothing to set up).
 */
export async function envBuild(
  deps: SessionDeps,
  repoArg: string,
  options: { ref: string; force: boolean },
  write: Write,
): Promise<EnvironmentImage | null> {
  const repository = await resolveLocalRepository(repoArg, options.ref);
  const layers = await layersFor(deps);
  const started = Date.now();
  let step = '';
  const prepared = await prepareEnvironment(
    {
      store: deps.store,
      clock: deps.clock,
      vault: deps.vault ?? NO_SECRETS,
      layers,
      baseLayer: (repo, commit) => baseLayerFor(layers.store, repo, commit),
      confinement: deps.sandboxes.confinement,
      imageRoots: imageRootsOf(deps, layers),
    },
    {
      repo: repository.path,
      commit: repository.commit,
      force: options.force,
      // Pulling, building and unpacking: each step on a line of its own, the tools' output indented.
      onImage: ({ step: now, source, line }) => {
        if (line === undefined) {
          step = now;
          write(`image ${source}: ${now}…\n`);
        } else if (step === 'pulling' || step === 'building') {
          write(`  ${line}\n`);
        }
      },
      onDecision: (plan, decision) => {
        write(`environment: ${plan.description}\n`);
        if (plan.setup.length === 0) write('nothing to set up: sessions start from the checkout itself\n');
        else if (decision)
          write(`${decision.action === 'reuse' ? 'reusing' : 'building'}: ${decision.reason}\n`);
      },
      onCommand: (_command, index, total) => write(`\n[setup ${index + 1}/${total}] `),
      onOutput: (text) => write(text),
    },
  );
  if (prepared.imageRoot) {
    const root = prepared.imageRoot;
    write(
      `image ${root.reference} at ${root.digest}: ${root.unpacked ? `unpacked in ${(root.durationMs / 1000).toFixed(1)} s` : 'unpacked already'} (layer ${root.layer.slice(0, 12)})\n`,
    );
  }
  if (!prepared.image) return null;
  if (prepared.built) {
    write(
      `\nimage ${prepared.image.id} built in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
        `(setup ${(prepared.image.setupMs / 1000).toFixed(1)} s); sessions on ${repository.path} start from it\n`,
    );
  } else {
    write(`image ${prepared.image.id} is current: drydock env build --force to rebuild\n`);
  }
  return prepared.image;
}

/** `drydock env list`: one line per image, newest first. */
export async function envList(deps: SessionDeps, repoArg: string | undefined, write: Write): Promise<void> {
  const repo = repoArg ? (await resolveLocalRepository(repoArg, 'HEAD')).path : undefined;
  const images = await deps.store.listEnvironments(repo);
  if (images.length === 0) {
    write(
      'no environment images yet: drydock env build <repo>, or run a session on a repository with setup\n',
    );
    return;
  }
  const now = deps.clock.now().getTime();
  for (const image of images) {
    const age = formatAge(now - Date.parse(image.createdAt));
    const stale = image.runtimeVersion === RUNTIME_VERSION ? '' : ` (built by ${image.runtimeVersion})`;
    write(
      `${image.id}  ${image.repo}  at ${image.commit.slice(0, 10)}  ${age} old  setup ${(image.setupMs / 1000).toFixed(1)} s  ` +
        `${image.layers.length} layers  inputs ${image.inputsHash.slice(0, 12)}` +
        `${image.imageRoot ? `  on ${image.imageRoot.reference}@${image.imageRoot.digest}` : '  on the host system'}${stale}\n`,
    );
  }
}

/** `drydock env rm <id>`: unpublishes an image; its layers go with the next prune once nothing uses them. */
export async function envRemove(deps: SessionDeps, id: string, write: Write): Promise<void> {
  const removed = await deps.store.deleteEnvironment(id);
  if (!removed) {
    throw new BadInputError(
      'environment_not_found',
      `No environment image ${id}. List them with: drydock env list`,
    );
  }
  write(`removed image ${id}: the next session on its repository builds a new one\n`);
}
