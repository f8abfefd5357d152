import { join } from 'node:path';
import { createSampleRepo } from '../src/cli/demo/sample-repo.ts';
import type { SandboxRoot } from '../src/core/ports/sandbox.ts';
import { createBubblewrapProvider } from '../src/sandbox/bubblewrap-provider.ts';
import {
  busyboxImage,
  busyboxImageUnavailable,
  debianImage,
  debianImageUnavailable,
} from '../test/support/test-images.ts';
import type { Benchmark, Row } from './benchmark.ts';
import { measureInterleaved, summaryOf, timed } from './measure.ts';
import { runChecked } from './processes.ts';

const HOST_ROOT = "on the host's read-only system: create() → first exec answered";
const BUSYBOX = 'on an image root, busybox on musl (drydock brings its Node and libraries)';
const DEBIAN = 'on an image root, Debian bookworm (debootstrap minbase)';

export const imageRootStart: Benchmark = {
  id: 'image-root-start',
  title: 'Sandbox cold start on an image root',
  baseline:
    "the same sandbox on the host's read-only system (no image), measured interleaved in the same run",

  async run(context) {
    const workspacePath = join(await context.scratch('image-root-start'), 'workspace');
    await runChecked('mkdir', [workspacePath]);
    await createSampleRepo(workspacePath);
    const provider = createBubblewrapProvider({ warn: () => {} });
    const notes: string[] = [];
    // The images are made (or reused from os.tmpdir()/drydock-test-images) before anything is timed.
    const images: { label: string; root: SandboxRoot }[] = [];
    const noBusybox = await busyboxImageUnavailable();
    if (noBusybox === null) images.push({ label: BUSYBOX, root: await busyboxImage() });
    else notes.push(`No busybox image: ${noBusybox}.`);
    const noDebian = await debianImageUnavailable();
    if (noDebian === null) images.push({ label: DEBIAN, root: await debianImage() });
    else notes.push(`No Debian image: ${noDebian}.`);
    if (images.length === 0) throw new Error(`no test image can be made here (${noBusybox}; ${noDebian})`);

    let sessions = 0;
    const start = (root: SandboxRoot | undefined) => async () => {
      let destroy: (() => Promise<void>) | undefined;
      const ms = await timed(async () => {
        const sandbox = await provider.create({
          sessionId: `bench-image-${++sessions}`,
          workspacePath,
          readOnlyPaths: ['.git'],
          ...(root === undefined ? {} : { root }),
        });
        destroy = context.track(sandbox);
        const result = await sandbox.exec(['true']);
        if (result.exitCode !== 0) throw new Error(`true exited ${result.exitCode} in the sandbox`);
      });
      await destroy?.();
      return ms;
    };

    const summaries = await measureInterleaved(
      [
        { label: HOST_ROOT, run: start(undefined) },
        ...images.map((image) => ({ label: image.label, run: start(image.root) })),
      ],
      {
        signal: context.signal,
        iterations: context.iterations({ full: 20, quick: 3 }),
        warmup: context.warmup({ full: 2, quick: 1 }),
      },
    );
    const rows: Row[] = [
      { label: HOST_ROOT, short: 'host root', baseline: true, summary: summaryOf(summaries, HOST_ROOT) },
      ...images.map((image) => ({ label: image.label, summary: summaryOf(summaries, image.label) })),
    ];
    return {
      rows,
      notes: [
        'The full drydock sandbox (limits, seccomp, private /tmp, the Node supervisor) on the demo sample ' +
          "repository, with `/` the host's read-only system or an unpacked image root (each top-level entry " +
          "bound read-only, drydock's Node started through its own loader and libraries under /opt/drydock/lib); " +
          'destroying it is not timed. The images are test-images.ts, made once and cached.',
        ...notes,
      ],
    };
  },
};
