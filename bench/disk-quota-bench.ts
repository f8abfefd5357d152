// What a workspace disk quota costs at start: a 10 GiB image made, formatted and mounted (and released),
// a layered sandbox started with and without a quota, and a clone made with and without one (with a
// quota git copies the objects onto the image instead of hard-linking them). Exported as a Benchmark for
// bench/run.ts; also runnable alone: `node bench/disk-quota-bench.ts [--quick] [--mb=N]`.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes, type LayeredSandbox } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { prepareWorkspace } from '../src/environments/local-workspace.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import { diskQuotaSupport, mountDiskVolume, unmountDiskVolume } from '../src/sandbox/disk-quota.ts';
import { readMounts } from '../src/sandbox/mount-table.ts';
import type { BenchContext, Benchmark, Row } from './benchmark.ts';
import { parseBenchConfig } from './config.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';
import { type Outcome, renderText } from './report.ts';
import { createRunScope } from './run-scope.ts';

const QUOTA = 10 * 1024 ** 3;
const IMAGE_UP = 'image: create + mkfs + mount (10 GiB)';
const IMAGE_DOWN = 'image: unmount + delete';
const START = 'layered sandbox start + first exec, no quota';
const START_QUOTA = 'layered sandbox start + first exec, 10 GiB quota';

/** Unmounts whatever is still mounted under `root` (a failed case), deepest first, so its loop devices go. */
async function unmountUnder(root: string): Promise<void> {
  const points = (await readMounts())
    .map((entry) => entry.mountPoint)
    .filter((point) => point.startsWith(root));
  for (const point of points.sort((a, b) => b.length - a.length))
    await unmountDiskVolume(point).catch(() => {});
}

/** A repository of `megabytes` of incompressible files, committed: what a clone copies or links. */
async function makeRepository(
  dir: string,
  megabytes: number,
): Promise<{ root: string; commit: string; files: number }> {
  const root = join(dir, 'repo');
  await mkdir(root);
  await runChecked('git', ['init', '--quiet', '-b', 'main'], { cwd: root });
  const files = Math.max(1, Math.round(megabytes * 20));
  for (let i = 0; i < files; i++) {
    await mkdir(join(root, `d${i % 50}`), { recursive: true });
    await writeFile(join(root, `d${i % 50}`, `f${i}.bin`), randomBytes(51_200));
  }
  await runChecked('git', ['add', '.'], { cwd: root });
  await runChecked(
    'git',
    ['-c', 'user.name=b', '-c', 'user.email=b@example.invalid', 'commit', '--quiet', '-m', 'bench'],
    { cwd: root },
  );
  const commit = (await runChecked('git', ['rev-parse', 'HEAD'], { cwd: root })).trim();
  return { root, commit, files };
}

export function diskQuotaBench(options: { repositoryMb?: number } = {}): Benchmark {
  return {
    id: 'disk-quota',
    title: 'Workspace disk quota: start cost',
    baseline:
      'the same start without a quota (a layered sandbox on an upper directory of the host file system; a clone hard-linking the objects)',

    async run(context: BenchContext) {
      const support = await diskQuotaSupport();
      if (!support.ok) throw new Error(`disk quotas do not work here: ${support.reason}`);
      const root = await context.scratch('disk-quota');
      context.defer(() => unmountUnder(root));
      const iterations = context.iterations({ full: 15, quick: 3 });
      const warmup = context.warmup({ full: 2, quick: 1 });
      const rows: Row[] = [];
      const notes: string[] = [];

      let n = 0;
      const volume = await measureInterleaved(
        [
          {
            label: IMAGE_UP,
            run: async () => {
              const dir = join(root, `volume-${n++}`);
              let release = async (): Promise<void> => {};
              const ms = await timed(async () => {
                release = (await mountDiskVolume({ image: `${dir}.disk.img`, mountPoint: dir, bytes: QUOTA }))
                  .release;
              });
              await release();
              await rm(dir, { recursive: true, force: true });
              return ms;
            },
          },
          {
            label: IMAGE_DOWN,
            run: async () => {
              const dir = join(root, `volume-${n++}`);
              const made = await mountDiskVolume({ image: `${dir}.disk.img`, mountPoint: dir, bytes: QUOTA });
              const ms = await timed(() => made.release());
              await rm(dir, { recursive: true, force: true });
              return ms;
            },
          },
        ],
        { signal: context.signal, iterations, warmup },
      );
      rows.push({ label: IMAGE_UP, summary: summaryOf(volume, IMAGE_UP), compareWith: [] });
      rows.push({ label: IMAGE_DOWN, summary: summaryOf(volume, IMAGE_DOWN), compareWith: [] });

      const home = join(root, 'layers');
      const store = await createLayerStore(home);
      const { mode, reason } = await detectWorkspaceMode(store);
      if (mode === 'overlay') {
        const staging = await store.stagingDir();
        await writeFile(join(staging, 'README.md'), 'bench\n');
        const base = (await store.adopt(staging)).id;
        const sandboxes = createLayeredSandboxes({
          provider: createBubblewrapProvider({ killGraceMs: 300 }),
          store,
          workspacesDir: join(home, 'overlays'),
          mode,
        });
        const start = (diskBytes?: number) => async (): Promise<number> => {
          const spec = { sessionId: 'bench', ...(diskBytes === undefined ? {} : { limits: { diskBytes } }) };
          let sandbox: LayeredSandbox | undefined;
          const ms = await timed(async () => {
            sandbox = await sandboxes.start({ layers: [base] }, spec);
            await sandbox.exec('true');
          });
          await sandbox?.destroy();
          return ms;
        };
        const layered = await measureInterleaved(
          [
            { label: START, run: start() },
            { label: START_QUOTA, run: start(QUOTA) },
          ],
          { signal: context.signal, iterations, warmup },
        );
        rows.push({ label: START, baseline: true, short: 'no quota', summary: summaryOf(layered, START) });
        rows.push({ label: START_QUOTA, summary: summaryOf(layered, START_QUOTA), compareWith: [START] });
      } else {
        notes.push(`Layered sandbox start skipped: ${reason}.`);
      }

      const megabytes = options.repositoryMb ?? (context.quick ? 10 : 100);
      context.log(`making a ${megabytes} MB repository to clone`);
      const repo = await makeRepository(root, megabytes);
      const clone = `clone (${megabytes} MB in ${repo.files} files), no quota`;
      const cloneQuota = `clone (${megabytes} MB in ${repo.files} files), 10 GiB quota`;
      let c = 0;
      const prepare = (diskBytes?: number) => async (): Promise<number> => {
        const workspace = join(root, 'sessions', `c${c++}`, 'workspace');
        const ms = await timed(() =>
          prepareWorkspace(repo.root, repo.commit, workspace, diskBytes === undefined ? {} : { diskBytes }),
        );
        await unmountDiskVolume(workspace);
        await rm(join(workspace, '..'), { recursive: true, force: true });
        return ms;
      };
      const clones = await measureInterleaved(
        [
          { label: clone, run: prepare() },
          { label: cloneQuota, run: prepare(QUOTA) },
        ],
        {
          signal: context.signal,
          iterations: Math.max(2, Math.round(iterations / 3)),
          warmup: 1,
        },
      );
      rows.push({ label: clone, baseline: true, short: 'clone', summary: summaryOf(clones, clone) });
      rows.push({ label: cloneQuota, summary: summaryOf(clones, cloneQuota), compareWith: [clone] });
      notes.push(
        'A quota puts the writable part on a sparse ext4 image, loop-mounted (docs/sandbox.md, "Disk quota"); a ' +
          'layered sandbox makes its image per start. With a quota a clone copies the objects onto the image ' +
          'rather than hard-linking them.',
      );
      return { rows, notes };
    },
  };
}

async function main(argv: readonly string[]): Promise<number> {
  const mb = argv.find((arg) => arg.startsWith('--mb='))?.slice(5);
  const config = parseBenchConfig(argv.includes('--quick') ? ['--quick'] : [], process.env, []);
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  const scope = createRunScope(config, log);
  const benchmark = diskQuotaBench(mb === undefined ? {} : { repositoryMb: Number(mb) });
  const loadAtStart = loadavg()[0] ?? 0;
  const start = performance.now();
  let outcome: Outcome;
  try {
    const result = await benchmark.run(scope.contextFor(benchmark.id));
    outcome = {
      benchmark,
      result,
      durationMs: performance.now() - start,
      load: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    };
  } catch (error) {
    log(
      `${benchmark.title} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    outcome = {
      benchmark,
      error: String(error),
      durationMs: performance.now() - start,
      load: { start: loadAtStart, end: loadavg()[0] ?? 0 },
    };
  } finally {
    for (const failure of await scope.cleanup()) log(`cleanup: ${failure}`);
  }
  process.stdout.write(`\n${renderText([outcome])}\n`);
  for (const note of outcome.result?.notes ?? []) process.stdout.write(`- ${note}\n`);
  return outcome.error === undefined ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main(process.argv.slice(2));
