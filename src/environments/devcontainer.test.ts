// biome-ignore-all lint/suspicious/noTemplateCurlyInString: devcontainer variables are written ${like:this}, literally.
import { describe, expect, it } from 'vitest';
import { parseDevcontainer, resolveDevcontainerEnv, shellCommands } from './devcontainer.ts';
import { planEnvironment } from './environment-plan.ts';
import { parseRepoConfig } from './repo-config.ts';

const PATH = '.devcontainer/devcontainer.json';

describe('parseDevcontainer', () => {
  it('reads JSONC: comments, trailing commas, an image and its lifecycle commands', () => {
    const parsed = parseDevcontainer(
      `{
        // the toolchain
        "name": "app",
        "image": "mcr.microsoft.com/devcontainers/javascript-node:18",
        "postCreateCommand": "npm ci",
        "postStartCommand": ["node", "server.js", "--port", "3000 4000"],
        "containerEnv": { "NODE_ENV": "test" },
        "remoteEnv": { "PATH": "\${containerEnv:PATH}:/workspace/bin", "UNSET": null },
        "customizations": { "vscode": { "extensions": ["dbaeumer.vscode-eslint"] } },
      }`,
      PATH,
    );
    expect(parsed).toEqual({
      path: PATH,
      image: {
        kind: 'pull',
        reference: 'mcr.microsoft.com/devcontainers/javascript-node:18',
        credentials: null,
        declaredIn: PATH,
      },
      setup: ['npm ci'],
      start: ["node server.js --port '3000 4000'"],
      env: { NODE_ENV: 'test', PATH: '${containerEnv:PATH}:/workspace/bin' },
    });
  });

  it('reads build.dockerfile, context and args relative to the file', () => {
    const parsed = parseDevcontainer(
      '{ "build": { "dockerfile": "Dockerfile", "context": "..", "args": { "VARIANT": "18" } } }',
      PATH,
    );
    expect(parsed.image).toEqual({
      kind: 'build',
      dockerfile: '.devcontainer/Dockerfile',
      context: '.',
      args: { VARIANT: '18' },
      credentials: null,
      declaredIn: PATH,
    });
    // The context defaults to the file's own directory, as the spec says.
    expect(parseDevcontainer('{ "build": { "dockerfile": "Dockerfile" } }', PATH).image).toMatchObject({
      context: '.devcontainer',
    });
  });

  it('refuses features by name, not silently', () => {
    expect(() =>
      parseDevcontainer(
        '{\n  "image": "debian:12",\n  "features": {\n    "ghcr.io/devcontainers/features/node:1": {},\n    "ghcr.io/devcontainers/features/go:1": { "version": "1.22" }\n  }\n}',
        PATH,
      ),
    ).toThrow(
      `${PATH} line 3: not supported yet: feature ghcr.io/devcontainers/features/node:1, feature ghcr.io/devcontainers/features/go:1`,
    );
  });

  it.each([
    ['{ "image": "a", "build": { "dockerfile": "D" } }', 'line 1: name either image or build.dockerfile'],
    ['{\n  "image": 12\n}', 'line 2: image:'],
    ['{ "image": "a", }}', 'line 1:'],
    ['{ "dockerComposeFile": "compose.yml" }', 'not supported yet: dockerComposeFile'],
    ['{ "build": { "dockerfile": "../../Dockerfile" } }', 'is outside the repository'],
  ])('refuses %j with the line', (text, message) => {
    expect(() => parseDevcontainer(text, PATH)).toThrow(message);
  });
});

describe('shellCommands', () => {
  it('runs a string in a shell, quotes an array, and runs an object’s commands one by one by name', () => {
    expect(shellCommands('npm ci && npm run build')).toEqual(['npm ci && npm run build']);
    expect(shellCommands(['echo', "it's", 'a b'])).toEqual([`echo 'it'\\''s' 'a b'`]);
    expect(shellCommands({ server: 'npm start', db: ['pg_ctl', 'start'] })).toEqual([
      'pg_ctl start',
      'npm start',
    ]);
  });
});

describe('resolveDevcontainerEnv', () => {
  const context = { workdir: '/workspace', path: PATH };
  it('fills in the image environment and the workspace folder', () => {
    expect(
      resolveDevcontainerEnv(
        {
          PATH: '${containerEnv:PATH}:${containerWorkspaceFolder}/bin',
          NAME: '${containerWorkspaceFolderBasename}',
          X: '${containerEnv:NOPE:fallback}',
        },
        { PATH: '/usr/bin' },
        context,
      ),
    ).toEqual({ PATH: '/usr/bin:/workspace/bin', NAME: 'workspace', X: 'fallback' });
  });

  it('never reads the host environment', () => {
    expect(() => resolveDevcontainerEnv({ TOKEN: '${localEnv:GITHUB_TOKEN}' }, {}, context)).toThrow(
      'not supported yet: ${localEnv:GITHUB_TOKEN}',
    );
  });
});

describe('planEnvironment with a devcontainer', () => {
  const devcontainer = parseDevcontainer(
    '{ "image": "debian:12", "postCreateCommand": "make deps", "postStartCommand": "make serve" }',
    PATH,
  );

  it('takes setup, start and the image from it when config.yaml does not say', () => {
    const plan = planEnvironment({ config: null, files: [PATH], devcontainer });
    expect(plan).toMatchObject({
      source: 'config',
      setup: ['make deps'],
      start: ['make serve'],
      image: { kind: 'pull', reference: 'debian:12' },
    });
    expect(plan.inputs).toContain(PATH);
  });

  it('lets .drydock/config.yaml win', () => {
    const config = parseRepoConfig('setup: npm ci\nstart: npm run db\nimage: node:18');
    const plan = planEnvironment({ config, files: [PATH, '.drydock/config.yaml'], devcontainer });
    expect(plan).toMatchObject({
      setup: ['npm ci'],
      start: ['npm run db'],
      image: { kind: 'pull', reference: 'node:18', declaredIn: '.drydock/config.yaml' },
    });
  });

  it('without a declaration is today’s plan: no image', () => {
    expect(planEnvironment({ config: null, files: [] })).toMatchObject({
      image: null,
      source: 'none',
      start: [],
    });
  });
});
