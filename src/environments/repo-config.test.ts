import { describe, expect, it } from 'vitest';
import { parseDuration, parseRepoConfig, parseSize } from './repo-config.ts';

describe('parseRepoConfig', () => {
  it('reads every section and normalizes it', () => {
    const config = parseRepoConfig(
      [
        'setup: npm ci',
        'start:',
        '  - ./scripts/start-db.sh',
        'checks:',
        '  test: npm test',
        '  lint: npm run lint',
        'network:',
        '  allow: [api.example.org, "*.example.com:8443"]',
        '  setup: [registry.npmjs.org]',
        'limits: { memory: 2GiB, pids: 256, cpus: 1.5, tmp: 512m }',
        'secrets:',
        '  setup: [NPM_TOKEN]',
        '  agent: [API_KEY]',
        'inputs: [package-lock.json, scripts/setup.sh]',
        'image: { max_age: 12h }',
      ].join('\n'),
    );
    expect(config).toEqual({
      setup: ['npm ci'],
      start: ['./scripts/start-db.sh'],
      checks: [
        { name: 'test', command: 'npm test' },
        { name: 'lint', command: 'npm run lint' },
      ],
      network: {
        allow: [{ host: 'api.example.org' }, { host: '*.example.com', port: 8443 }],
        setup: [{ host: 'registry.npmjs.org' }],
      },
      limits: { memoryBytes: 2 * 1024 ** 3, pids: 256, cpus: 1.5, tmpBytes: 512 * 1024 ** 2 },
      secrets: { setup: ['NPM_TOKEN'], agent: ['API_KEY'] },
      inputs: ['package-lock.json', 'scripts/setup.sh'],
      maxImageAgeMs: 12 * 3_600_000,
      image: null,
      mcp: [],
    });
  });

  it('reads image: as a reference, or as a mapping to pull or to build, paths from the repository root', () => {
    expect(parseRepoConfig('image: debian:12').image).toEqual({
      kind: 'pull',
      reference: 'debian:12',
      credentials: null,
      declaredIn: '.drydock/config.yaml',
    });
    const pulled = parseRepoConfig('image: { from: ghcr.io/acme/dev:1, credentials: GHCR, max_age: 2h }');
    expect(pulled.image).toMatchObject({
      kind: 'pull',
      reference: 'ghcr.io/acme/dev:1',
      credentials: 'GHCR',
    });
    expect(pulled.maxImageAgeMs).toBe(2 * 3_600_000);
    expect(
      parseRepoConfig(
        'image:\n  dockerfile: ./docker/Dockerfile\n  context: docker\n  args: { NODE: 18, DEBUG: true }',
      ).image,
    ).toEqual({
      kind: 'build',
      dockerfile: 'docker/Dockerfile',
      context: 'docker',
      args: { NODE: '18', DEBUG: 'true' },
      credentials: null,
      declaredIn: '.drydock/config.yaml',
    });
    // The environment image's age alone declares no image: today's behaviour.
    expect(parseRepoConfig('image: { max_age: 1h }').image).toBeNull();
  });

  it.each([
    ['image: { from: a, dockerfile: Dockerfile }', 'line 1: image: name either from'],
    ['image:\n  from: debian:12\n  args: { A: b }', 'line 2: image: context and args are for building'],
    ['image: { dockerfile: ../outside/Dockerfile }', 'is outside the repository'],
    [
      'image: { from: debian:12, credentials: "not a name" }',
      'image.credentials: expected an environment variable name',
    ],
    ['image:\n  form: debian:12', 'line 2: image: unknown key "form"'],
  ])('refuses %j', (text, message) => {
    expect(() => parseRepoConfig(text)).toThrow(message);
  });

  it('reads an empty file as an empty config', () => {
    expect(parseRepoConfig('')).toMatchObject({ setup: null, start: null, checks: null, secrets: {} });
  });

  it.each([
    ['setup: 3\n', /line 1: setup: /],
    ['checks:\n  test: npm test\n  unit: npm run unit\n', /line 3: checks: unknown key "unit"/],
    [
      'setup: npm ci\nnetwork:\n  allow: ["not a host!"]\n',
      /line 3: network\.allow\.0: expected a host name/,
    ],
    ['secrets:\n  agent: [bad-name]\n', /line 2: secrets\.agent\.0: expected an environment variable name/],
    ['limits:\n  memory: lots\n', /line 2: limits\.memory/],
    ['setup: [npm ci\n', /line \d+: .*YAML syntax/],
    ['stup: npm ci\n', /line 1: unknown key "stup"/],
  ])('points at the line of the mistake in %j', (text, message) => {
    expect(() => parseRepoConfig(text)).toThrow(message);
    try {
      parseRepoConfig(text);
    } catch (error) {
      expect((error as { code: string }).code).toBe('invalid_repo_config');
      expect((error as Error).message).toMatch(/^\.drydock\/config\.yaml line \d+: .*docs\/environments\.md/);
    }
  });
});

describe('sizes and durations', () => {
  it.each([
    ['512MiB', 512 * 1024 ** 2],
    ['4g', 4 * 1024 ** 3],
    ['1.5GB', 1.5 * 1024 ** 3],
    [1000, 1000],
  ] as const)('parses the size %s', (value, bytes) => {
    expect(parseSize(value)).toBe(bytes);
  });

  it.each([
    ['24h', 86_400_000],
    ['90m', 5_400_000],
    ['7d', 604_800_000],
    ['500ms', 500],
  ] as const)('parses the duration %s', (value, ms) => {
    expect(parseDuration(value)).toBe(ms);
  });
});

describe('mcp servers in the config', () => {
  it('reads stdio and remote servers with their secrets and tool filters', () => {
    const config = parseRepoConfig(
      [
        'mcp:',
        '  docs:',
        '    command: [node, .drydock/mcp/docs.js]',
        '    env: [DOCS_TOKEN]',
        '    tools: { allow: ["search_*"], deny: [search_admin] }',
        '  tracker:',
        '    url: https://mcp.example.org/mcp',
        '    secret: TRACKER_TOKEN',
        '    headers: { X-Team: TEAM_ID }',
      ].join('\n'),
    );
    expect(config.mcp).toEqual([
      {
        name: 'docs',
        transport: 'stdio',
        command: ['node', '.drydock/mcp/docs.js'],
        env: ['DOCS_TOKEN'],
        tools: { allow: ['search_*'], deny: ['search_admin'] },
      },
      {
        name: 'tracker',
        transport: 'remote',
        url: 'https://mcp.example.org/mcp',
        headers: { Authorization: 'TRACKER_TOKEN', 'X-Team': 'TEAM_ID' },
        tools: { allow: null, deny: [] },
      },
    ]);
  });

  it.each([
    ['both a command and a url', '  a: { command: [x], url: "https://x.org" }', 'either command'],
    ['neither', '  a: { tools: { allow: [x] } }', 'either command'],
    ['a secret on a stdio server', '  a: { command: [x], secret: TOKEN }', 'for a remote server'],
    ['env on a remote server', '  a: { url: "https://x.org", env: [TOKEN] }', 'for a stdio server'],
    ['a url that is not http', '  a: { url: "file:///etc/passwd" }', 'http(s) URL'],
    ['a bad server name', '  A_B!: { command: [x] }', 'server name'],
    ['a secret value instead of a name', '  a: { url: "https://x.org", secret: "ghp abc" }', 'secret name'],
    ['an unknown key', '  a: { command: [x], cwd: / }', 'unknown key "cwd"'],
  ])('refuses %s with a clear error naming the line', (_what, line, message) => {
    const parse = () => parseRepoConfig(['mcp:', line].join('\n'));
    expect(parse).toThrow(message);
    expect(parse).toThrow(/line 2/);
  });
});
