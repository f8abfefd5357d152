import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Forge } from '../src/core/ports/forge.ts';
import { githubAppTokens } from '../src/forge/github-app-tokens.ts';
import { createGithubForge } from '../src/forge/github-forge.ts';
import { githubTokensFromEnv } from '../src/server/trigger-config.ts';
import { type FakeGithub, startFakeGithub } from './fakes/fake-github.ts';

const APP_ID = '4242';
const keyPair = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    // The format GitHub hands out for App keys.
    privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
  });

/** GitHub App installation tokens against the fake GitHub, which checks the App's JWT with its public key. */
describe('GitHub App installation tokens', { timeout: 60_000 }, () => {
  const { publicKey, privateKey } = keyPair();
  let dir: string;
  let bare: string;
  let github: FakeGithub;
  let nowMs: number;
  let forge: Forge;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'drydock-app-'));
    const work = join(dir, 'work');
    execFileSync('git', ['init', '--quiet', '-b', 'main', work]);
    await writeFile(join(work, 'README.md'), 'hello\n');
    execFileSync('git', ['add', '.'], { cwd: work });
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'init'], {
      cwd: work,
    });
    bare = join(dir, 'remote.git');
    execFileSync('git', ['clone', '--quiet', '--bare', work, bare]);
    nowMs = Date.parse('2026-03-01T10:00:00Z');
    github = await startFakeGithub({
      app: { appId: APP_ID, publicKey, installations: { 'acme/app': 77 }, now: () => nowMs },
    });
    github.addRepo('acme/app');
    github.addRepo('acme/other');
    forge = createGithubForge({
      tokens: githubAppTokens({ appId: APP_ID, privateKey, baseUrl: github.url, now: () => nowMs }),
      baseUrl: github.url,
      gitUrl: () => bare,
    });
  });
  afterEach(async () => {
    await github.close();
    await rm(dir, { recursive: true, force: true });
  });

  const auth = (path: string) =>
    github.requests.filter((request) => request.path.split('?')[0] === path).map((r) => r.authorization);

  it('finds the installation with the App JWT, mints a token, reuses it, and mints again shortly before it expires', async () => {
    const clone = join(dir, 'clone');
    expect(await forge.sync('acme/app', clone)).toEqual({ defaultBranch: 'main' });
    expect(auth('/repos/acme/app/installation')).toHaveLength(1);
    expect(auth('/repos/acme/app/installation')[0]).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(auth('/app/installations/77/access_tokens')).toHaveLength(1);
    expect(github.minted.map((token) => token.token)).toEqual(['ghs_installation_1']);
    expect(auth('/repos/acme/app')).toEqual(['token ghs_installation_1']);

    await forge.comment('acme/app', 1, 'first');
    nowMs += 50 * 60_000;
    await forge.comment('acme/app', 1, 'second');
    expect(github.minted).toHaveLength(1);
    nowMs += 6 * 60_000; // 4 minutes before expiry: inside the refresh margin
    await forge.comment('acme/app', 1, 'third');
    expect(github.minted.map((token) => token.token)).toEqual(['ghs_installation_1', 'ghs_installation_2']);
    expect(auth('/repos/acme/app/issues/1/comments')).toEqual([
      'token ghs_installation_1',
      'token ghs_installation_1',
      'token ghs_installation_2',
    ]);
    // One lookup of the installation for the whole run.
    expect(auth('/repos/acme/app/installation')).toHaveLength(1);
    // The token reached git through the environment only.
    const config = await readFile(join(clone, '.git', 'config'), 'utf8');
    expect(config).not.toContain('ghs_');
    expect(config.toLowerCase()).not.toContain('extraheader');
  });

  it('says the App is not installed on a repository without an installation', async () => {
    await expect(forge.comment('acme/other', 1, 'x')).rejects.toMatchObject({
      code: 'forge_no_access',
      message: expect.stringContaining('not installed on acme/other'),
    });
    expect(github.minted).toEqual([]);
  });

  it('is refused with a key that is not the App’s', async () => {
    const other = createGithubForge({
      tokens: githubAppTokens({ appId: APP_ID, privateKey: keyPair().privateKey, baseUrl: github.url }),
      baseUrl: github.url,
    });
    await expect(other.comment('acme/app', 1, 'x')).rejects.toMatchObject({
      code: 'forge_no_access',
      message: expect.stringContaining("refused the App's credentials"),
    });
    expect(github.minted).toEqual([]);
    expect(github.repos.get('acme/app')!.comments).toEqual([]);
  });
});

describe('GitHub credentials from the environment', () => {
  const { privateKey } = keyPair();

  it('reads the App key from a file, and refuses incomplete or ambiguous settings with what to set', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'drydock-app-env-'));
    try {
      const file = join(dir, 'app.pem');
      await writeFile(file, privateKey);
      expect(
        await githubTokensFromEnv({
          DRYDOCK_GITHUB_APP_ID: APP_ID,
          DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE: file,
        }),
      ).toBeTypeOf('function');
      expect(await githubTokensFromEnv({})).toBeNull();
      const token = await githubTokensFromEnv({ DRYDOCK_GITHUB_TOKEN: 'github_pat_x' });
      expect(await token!('acme/app')).toBe('github_pat_x');
      const refused = async (env: Record<string, string>) =>
        githubTokensFromEnv(env).then(
          () => null,
          (error: { code: string }) => error.code,
        );
      expect(await refused({ DRYDOCK_GITHUB_APP_ID: APP_ID })).toBe('incomplete_github_app');
      expect(await refused({ DRYDOCK_GITHUB_APP_PRIVATE_KEY: privateKey })).toBe('incomplete_github_app');
      expect(
        await refused({
          DRYDOCK_GITHUB_APP_ID: APP_ID,
          DRYDOCK_GITHUB_APP_PRIVATE_KEY: privateKey,
          DRYDOCK_GITHUB_TOKEN: 't',
        }),
      ).toBe('ambiguous_github_credentials');
      expect(
        await refused({ DRYDOCK_GITHUB_APP_ID: APP_ID, DRYDOCK_GITHUB_APP_PRIVATE_KEY: 'not a key' }),
      ).toBe('bad_github_app_key');
      expect(
        await refused({
          DRYDOCK_GITHUB_APP_ID: APP_ID,
          DRYDOCK_GITHUB_APP_PRIVATE_KEY_FILE: join(dir, 'missing.pem'),
        }),
      ).toBe('unreadable_github_app_key');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
