// Moving a layer between machines: upload to and fetch from a snapshot store (a directory, and S3 on
// s3rver over loopback), against a local `tar c | tar x` of the same layer. Exported as a Benchmark
// for bench/run.ts; also runnable alone: `node bench/snapshot-store-bench.ts [--quick]`.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createFileSnapshotStore } from '../src/environments/file-snapshot-store.ts';
import { createLayerStore, type LayerStore } from '../src/environments/layer-store.ts';
import { createLayerSync } from '../src/environments/layer-sync.ts';
import { createS3SnapshotStore } from '../src/environments/s3-snapshot-store.ts';
import { startS3TestServer } from '../src/environments/s3-test-server.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { parseBenchConfig } from './config.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';
import { renderText } from './report.ts';
import { createRunScope } from './run-scope.ts';

const SIZES = [
  { name: '100 files, 0.4 MB (a step)', files: 100, bytesEach: 4_000 },
  { name: '2,000 files, 20 MB (a turn of installs)', files: 2_000, bytesEach: 10_000 },
] as const;

const COPY = 'tar c | tar x (a local copy, metadata kept)';

async function makeLayer(store: LayerStore, files: number, bytesEach: number): Promise<string> {
  const dir = await store.stagingDir();
  for (let i = 0; i < files; i++) {
    const sub = join(dir, `d${i % 20}`);
    await mkdir(sub, { recursive: true });
    // Distinct content, so nothing deduplicates or compresses away.
    await writeFile(join(sub, `f${i}.txt`), Buffer.alloc(bytesEach, 97 + (i % 26)));
  }
  return (await store.adopt(dir, { durable: true })).id;
}

export const snapshotStoreBench: Benchmark = {
  id: 'snapshot-store',
  title: 'Layer upload and fetch through the snapshot store',
  baseline: 'a local `tar c | tar x` of the layer: the least that moving its bytes and metadata costs',
  async run(context) {
    const home = await context.scratch('snapshot-store');
    const source = await createLayerStore(join(home, 'source'));
    const s3 = await startS3TestServer('drydock-bench');
    context.defer(() => s3.stop());
    const s3Store = (prefix: string) =>
      createS3SnapshotStore({
        bucket: s3.bucket,
        prefix,
        endpoint: s3.endpoint,
        credentials: s3.credentials,
      });
    let n = 0;
    const rows: Row[] = [];
    const notes: string[] = [];
    for (const size of SIZES) {
      const layer = await makeLayer(source, size.files, size.bytesEach);
      // Stores that hold the layer already, for the fetches.
      const fileRemote = await createFileSnapshotStore(join(home, 'file-remote'));
      const s3Remote = s3Store('full');
      await createLayerSync(source, fileRemote).upload([layer]);
      await createLayerSync(source, s3Remote).upload([layer]);
      const upload = (remote: () => Promise<Parameters<typeof createLayerSync>[1]>) => async () => {
        const target = await remote();
        const ms = await timed(() => createLayerSync(source, target).upload([layer]));
        await target.close();
        return ms;
      };
      const fetch = (remote: Parameters<typeof createLayerSync>[1]) => async () => {
        const dir = join(home, `fetch-${++n}`);
        const local = await createLayerStore(dir);
        const ms = await timed(() => createLayerSync(local, remote).fetchMissing([layer]));
        await rm(dir, { recursive: true, force: true });
        return ms;
      };
      const labels = {
        copy: `${COPY}, ${size.name}`,
        fileUp: `upload to a directory store, ${size.name}`,
        fileDown: `fetch from a directory store, ${size.name}`,
        s3Up: `upload to S3 (s3rver, loopback), ${size.name}`,
        s3Down: `fetch from S3 (s3rver, loopback), ${size.name}`,
      };
      const cases = [
        {
          label: labels.copy,
          run: async () => {
            const dir = join(home, `copy-${++n}`);
            await mkdir(dir);
            const ms = await timed(() =>
              runChecked('sh', [
                '-c',
                'tar -C "$1" -cf - . | tar -C "$2" -xpf -',
                'copy',
                source.pathOf(layer),
                dir,
              ]),
            );
            await rm(dir, { recursive: true, force: true });
            return ms;
          },
        },
        { label: labels.fileUp, run: upload(() => createFileSnapshotStore(join(home, `up-${++n}`))) },
        { label: labels.fileDown, run: fetch(fileRemote) },
        { label: labels.s3Up, run: upload(async () => s3Store(`up-${++n}`)) },
        { label: labels.s3Down, run: fetch(s3Remote) },
      ];
      const summaries = await measureInterleaved(cases, {
        iterations: context.iterations({ full: 5, quick: 2 }),
        warmup: context.warmup({ full: 1, quick: 0 }),
        signal: context.signal,
      });
      await s3Remote.close();
      const short = `copy ${size.files}`;
      rows.push({ label: labels.copy, short, baseline: true, summary: summaryOf(summaries, labels.copy) });
      for (const label of [labels.fileUp, labels.fileDown, labels.s3Up, labels.s3Down])
        rows.push({ label, summary: summaryOf(summaries, label), compareWith: [labels.copy] });
    }
    notes.push(
      'Upload packs the layer with tar (whiteouts, opaque xattr, modes, times) into a file and stores it; ' +
        'fetch streams the blob into tar -x, hashes and fsyncs the unpacked tree, checks the hash against the ' +
        'layer id and renames it into the layer store. s3rver writes to a local disk over loopback, so the S3 ' +
        'rows show the protocol overhead, not a network.',
    );
    return { rows, notes };
  },
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const config = parseBenchConfig(process.argv.includes('--quick') ? ['--quick'] : [], process.env, []);
  const log = (message: string): void => {
    process.stderr.write(`${message}\n`);
  };
  const scope = createRunScope(config, log);
  const start = performance.now();
  try {
    const result = await snapshotStoreBench.run(scope.contextFor(snapshotStoreBench.id));
    const outcome = {
      benchmark: snapshotStoreBench,
      result,
      durationMs: performance.now() - start,
      load: { start: 0, end: 0 },
    };
    process.stdout.write(`\n${renderText([outcome])}\n`);
    for (const note of result.notes ?? []) process.stdout.write(`- ${note}\n`);
  } finally {
    for (const failure of await scope.cleanup()) log(`cleanup: ${failure}`);
  }
}
