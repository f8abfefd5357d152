import { describe, expect, it } from 'vitest';
import { GLOBAL_SCOPE, type NewEnvironmentImage, type Store } from '../core/ports/store.ts';

function image(overrides: Partial<NewEnvironmentImage> = {}): NewEnvironmentImage {
  return {
    repo: '/repos/app',
    inputsHash: 'a'.repeat(64),
    runtimeVersion: 'drydock-0.1.0',
    commit: 'c'.repeat(40),
    layers: ['base', 'setup'],
    setup: ['npm ci'],
    setupMs: 1234,
    ...overrides,
  };
}

/** Environment images and secrets: part of the Store contract, run inside describeStoreContract. */
export function describeEnvironmentStoreContract(current: () => Store): void {
  describe('environment images', () => {
    it('finds the newest image with the same repository, inputs and runtime, and nothing else', async () => {
      const store = current();
      const first = await store.saveEnvironment(image());
      const second = await store.saveEnvironment(image({ layers: ['base', 'setup-2'] }));
      await store.saveEnvironment(image({ repo: '/repos/other' }));
      expect(first.id).not.toBe(second.id);
      expect(await store.findEnvironment('/repos/app', 'a'.repeat(64), 'drydock-0.1.0')).toEqual(second);
      expect(await store.findEnvironment('/repos/app', 'b'.repeat(64), 'drydock-0.1.0')).toBeNull();
      expect(await store.findEnvironment('/repos/app', 'a'.repeat(64), 'drydock-0.2.0')).toBeNull();
      expect(await store.getEnvironment(first.id)).toEqual(first);
    });

    it('keeps the image root setup ran on, and none for an image on the host system', async () => {
      const store = current();
      const imageRoot = {
        reference: 'debian:12',
        digest: `sha256:${'d'.repeat(64)}`,
        layer: 'e'.repeat(64),
        env: { PATH: '/usr/local/bin:/usr/bin', LANG: 'C.UTF-8' },
        workingDir: '/srv',
        user: null,
      };
      const onImage = await store.saveEnvironment(image({ imageRoot }));
      const onHost = await store.saveEnvironment(image({ inputsHash: 'b'.repeat(64) }));
      expect((await store.getEnvironment(onImage.id))?.imageRoot).toEqual(imageRoot);
      expect((await store.getEnvironment(onHost.id))?.imageRoot).toBeNull();
    });

    it('lists newest first, per repository, and deletes by id', async () => {
      const store = current();
      const a = await store.saveEnvironment(image());
      const b = await store.saveEnvironment(image({ repo: '/repos/other' }));
      expect((await store.listEnvironments()).map((each) => each.id)).toEqual([b.id, a.id]);
      expect((await store.listEnvironments('/repos/app')).map((each) => each.id)).toEqual([a.id]);
      expect(await store.deleteEnvironment(a.id)).toBe(true);
      expect(await store.deleteEnvironment(a.id)).toBe(false);
      expect(await store.getEnvironment(a.id)).toBeNull();
    });
  });

  describe('secrets', () => {
    it('stores, replaces, lists by scope and deletes secrets', async () => {
      const store = current();
      await store.putSecret(GLOBAL_SCOPE, 'NPM_TOKEN', 'sealed-1');
      const replaced = await store.putSecret(GLOBAL_SCOPE, 'NPM_TOKEN', 'sealed-2');
      await store.putSecret('/repos/app', 'DB_PASSWORD', 'sealed-3');
      await store.putSecret('/repos/other', 'OTHER', 'sealed-4');
      expect(replaced.sealed).toBe('sealed-2');
      const visible = await store.listSecrets([GLOBAL_SCOPE, '/repos/app']);
      expect(visible.map((s) => [s.scope, s.name, s.sealed])).toEqual([
        [GLOBAL_SCOPE, 'NPM_TOKEN', 'sealed-2'],
        ['/repos/app', 'DB_PASSWORD', 'sealed-3'],
      ]);
      expect(await store.listSecrets([])).toEqual([]);
      expect(await store.listSecrets()).toHaveLength(3);
      expect(await store.deleteSecret('/repos/app', 'DB_PASSWORD')).toBe(true);
      expect(await store.deleteSecret('/repos/app', 'DB_PASSWORD')).toBe(false);
      expect(await store.listSecrets(['/repos/app'])).toEqual([]);
    });
  });
}
