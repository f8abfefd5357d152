import { describe, expect, it } from 'vitest';
import { decideSquash, OverlayPlanError, planOverlayMounts } from '../src/environments/overlay-plan.ts';

const root = '/data/layers';
const layer = (index: number): string => `${root}/${index.toString(16).padStart(64, '0')}`;
const plan = (count: number, extra: { maxOptionBytes?: number; volatile?: boolean } = {}) =>
  planOverlayMounts({
    layers: Array.from({ length: count }, (_, index) => layer(index)),
    layersRoot: root,
    upper: '/data/ws/upper',
    work: '/data/ws/work',
    merged: '/data/ws/merged',
    intermediate: (index) => `/data/ws/lower-${index}`,
    volatile: extra.volatile ?? true,
    ...(extra.maxOptionBytes === undefined ? {} : { maxOptionBytes: extra.maxOptionBytes }),
  });

describe('planOverlayMounts', () => {
  it('lists lowers top first with absolute paths when they fit', () => {
    const [mount, ...rest] = plan(3);
    expect(rest).toEqual([]);
    expect(mount).toEqual({
      target: '/data/ws/merged',
      cwd: root,
      readOnly: false,
      options: `lowerdir=${layer(2)}:${layer(1)}:${layer(0)},upperdir=/data/ws/upper,workdir=/data/ws/work,nosuid,nodev,index=off,redirect_dir=off,metacopy=off,volatile`,
    });
  });

  it('leaves out volatile when asked', () => {
    expect(plan(1, { volatile: false })[0]!.options).not.toContain('volatile');
  });

  it.each([
    // layers, page size, expected mounts, relative paths in the top mount
    { layers: 40, max: 4000, mounts: 1, relative: false },
    { layers: 50, max: 4000, mounts: 1, relative: true },
    { layers: 58, max: 4000, mounts: 1, relative: true },
    { layers: 70, max: 4000, mounts: 2, relative: true },
    { layers: 150, max: 4000, mounts: 3, relative: true },
    { layers: 10, max: 500, mounts: 2, relative: true },
  ])('$layers layers in $max bytes: $mounts mount(s)', ({ layers, max, mounts, relative }) => {
    const planned = plan(layers, { maxOptionBytes: max });
    expect(planned).toHaveLength(mounts);
    for (const mount of planned) expect(mount.options.length).toBeLessThanOrEqual(max);
    const top = planned.at(-1)!;
    expect(top.target).toBe('/data/ws/merged');
    expect(top.readOnly).toBe(false);
    expect(top.options.includes(root)).toBe(!relative);
    // Every layer appears exactly once, and the read-only groups come first, bottom layers first.
    const all = planned.flatMap((mount) => /lowerdir=([^,]*)/.exec(mount.options)![1]!.split(':').reverse());
    const ids = all.filter((entry) => !entry.startsWith('/data/ws/lower-')).map((entry) => entry.slice(-64));
    expect(ids).toEqual(Array.from({ length: layers }, (_, index) => layer(index).slice(-64)));
    for (const mount of planned.slice(0, -1)) {
      expect(mount.readOnly).toBe(true);
      expect(mount.options).not.toContain('upperdir');
    }
  });

  it('refuses an empty stack, separators in paths, and stacks deeper than two levels', () => {
    expect(() => plan(0)).toThrow(OverlayPlanError);
    expect(() =>
      planOverlayMounts({
        layers: ['/data/lay,ers/a'],
        layersRoot: root,
        upper: '/u',
        work: '/w',
        merged: '/m',
        intermediate: () => '/i',
        volatile: true,
      }),
    ).toThrow(/comma/);
    expect(() => plan(400, { maxOptionBytes: 300 })).toThrow(/squash/);
  });
});

describe('decideSquash', () => {
  it.each([
    { depth: 1, policy: { maxDepth: 32, keepTop: 8 }, expected: { squash: false } },
    { depth: 32, policy: { maxDepth: 32, keepTop: 8 }, expected: { squash: false } },
    { depth: 33, policy: { maxDepth: 32, keepTop: 8 }, expected: { squash: true, count: 25 } },
    // At most MAX_SQUASH_LAYERS at a time (one overlay's options in a page): 100 → 53 → 9.
    { depth: 100, policy: { maxDepth: 32, keepTop: 8 }, expected: { squash: true, count: 48 } },
    { depth: 53, policy: { maxDepth: 32, keepTop: 8 }, expected: { squash: true, count: 45 } },
    { depth: 4, policy: { maxDepth: 3, keepTop: 0 }, expected: { squash: true, count: 4 } },
    // Squashing one layer into one is no squash.
    { depth: 4, policy: { maxDepth: 3, keepTop: 3 }, expected: { squash: false } },
    { depth: 5, policy: { maxDepth: 3, keepTop: 3 }, expected: { squash: true, count: 2 } },
  ])('depth $depth with $policy', ({ depth, policy, expected }) => {
    expect(decideSquash(depth, policy)).toEqual(expected);
  });
});
