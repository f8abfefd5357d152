/**
 * Every wrapper of a sandbox forwards every member of the Sandbox port (STYLE.md: "decorate ports
 * once"), read from the port's member list below, so a member added to the port is checked through
 * every wrapper without anyone listing it again. Each wrapper runs over a probe sandbox that records
 * the calls it gets and answers each with an object of its own, so the test sees what reached it.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decorate } from '../src/core/decorate.ts';
import type { EventData } from '../src/core/events.ts';
import type { ExecResult, Sandbox, SandboxProvider, WorkspaceSnapshot } from '../src/core/ports/sandbox.ts';
import { createLayerStore } from '../src/environments/layer-store.ts';
import { createLayeredSandboxes } from '../src/environments/layered-sandbox.ts';
import { detectWorkspaceMode } from '../src/environments/layered-workspace.ts';
import { redactingSandbox } from '../src/environments/redacting-sandbox.ts';
import { createRedactor } from '../src/environments/redactor.ts';
import { createHostProvider } from '../src/sandbox/host-provider.ts';
import { sandboxDied } from '../src/sandbox/sandbox-errors.ts';
import { withServicesCompartment } from '../src/sandbox/services-compartment.ts';
import type { SupervisedSandbox } from '../src/sandbox/supervised-sandbox.ts';
import { openSessionLayers, openSessionWorkspace } from '../src/sessions/session-workspace.ts';

/**
 * Every member of the Sandbox port. One added to the port fails typechecking here until it is
 * listed, and a real sandbox that has a member missing here fails the first test below.
 */
const PORT_MEMBERS: Record<keyof Sandbox, 'method' | 'property'> = {
  id: 'property',
  workdir: 'property',
  limits: 'property',
  exec: 'method',
  readFile: 'method',
  writeFile: 'method',
  stat: 'method',
  listDir: 'method',
  destroy: 'method',
};
const members = (kind: 'method' | 'property'): string[] =>
  Object.entries(PORT_MEMBERS).flatMap(([name, of]) => (of === kind ? [name] : []));
// destroy() last: after it a wrapper may take no more calls.
const METHODS = members('method').sort((a, b) => Number(a === 'destroy') - Number(b === 'destroy'));
const PROPERTIES = members('property');

/** Arguments to call each method with; a method without an entry gets one made-up argument. */
const ARGS: Record<string, unknown[]> = {
  exec: ['echo probe', {}],
  readFile: ['probe.txt'],
  writeFile: ['probe.txt', 'probe'],
  stat: ['probe.txt'],
  listDir: ['.'],
  destroy: [],
};
const argsOf = (method: string): unknown[] => ARGS[method] ?? ['probe-argument'];

/** What each method of a probe answers, where a wrapper reads the answer (the rest: a token object). */
const EXEC_RESULT: ExecResult = {
  exitCode: 0,
  signal: null,
  output: 'probe output',
  truncated: false,
  timedOut: false,
  aborted: false,
  durationMs: 1,
};

interface Probe {
  sandbox: Sandbox;
  calls: { member: string; args: unknown[] }[];
  answers: Map<string, unknown>;
  /** Makes the next call of a method fail as if the sandbox had died. */
  dieOnNext(method: string): void;
}

/** A sandbox made from the port's member list: every method records its call and answers with its own object. */
function createProbe(name: string): Probe {
  const calls: Probe['calls'] = [];
  const answers = new Map<string, unknown>();
  const dying = new Set<string>();
  const sandbox: Record<string, unknown> = {};
  for (const property of PROPERTIES) sandbox[property] = `${property} of ${name}`;
  for (const method of METHODS) {
    const answer =
      method === 'exec'
        ? { ...EXEC_RESULT }
        : method === 'readFile'
          ? Buffer.from(name)
          : { method, of: name };
    answers.set(method, answer);
    sandbox[method] = async (...args: unknown[]) => {
      calls.push({ member: method, args });
      if (dying.delete(method)) throw sandboxDied(name, 'the probe was told to die');
      return answer;
    };
  }
  return { sandbox: sandbox as unknown as Sandbox, calls, answers, dieOnNext: (method) => dying.add(method) };
}

/** A provider whose sandboxes are probes (capabilities and confinement are the host provider's). */
function probeProvider(): { provider: SandboxProvider; probes: Probe[] } {
  const probes: Probe[] = [];
  const provider = decorate(createHostProvider(), {
    async create() {
      const probe = createProbe(`probe-${probes.length + 1}`);
      probes.push(probe);
      return probe.sandbox;
    },
  });
  return { provider, probes };
}

const call = (sandbox: Sandbox, method: string): Promise<unknown> =>
  (sandbox as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>)[method]!(
    ...argsOf(method),
  );
const read = (sandbox: Sandbox, property: string): unknown =>
  (sandbox as unknown as Record<string, unknown>)[property];

/**
 * The wrapper forwards every port member to `inner()` (the probe current at the time): properties are
 * the probe's, every method reaches it with the caller's arguments, and answers with the probe's answer
 * unless the wrapper declares that it changes that method's answer.
 */
async function expectForwardsEverything(
  wrapper: Sandbox,
  inner: () => Probe,
  changesAnswerOf: readonly string[],
): Promise<void> {
  for (const property of PROPERTIES) {
    expect(read(wrapper, property), property).toBe(read(inner().sandbox, property));
  }
  for (const method of METHODS) {
    const probe = inner();
    const answer = await call(wrapper, method);
    expect(
      probe.calls.some(({ member, args }) => member === method && args[0] === argsOf(method)[0]),
      `${method} reaches the sandbox inside`,
    ).toBe(true);
    if (!changesAnswerOf.includes(method) && method !== 'destroy') {
      expect(answer, `${method} answers with the inner sandbox's answer`).toBe(probe.answers.get(method));
    }
  }
}

const home = await mkdtemp(join(tmpdir(), 'drydock-sandbox-wrappers-'));
afterAll(() => rm(home, { recursive: true, force: true }));
const store = await createLayerStore(join(home, 'layered'));
const { mode } = await detectWorkspaceMode(store);
const base: WorkspaceSnapshot = { layers: [(await store.adopt(await store.stagingDir())).id] };
const session = probeProvider();
const { layers, reason } = await openSessionLayers(join(home, 'layered'), session.provider);

describe('the Sandbox port list', () => {
  it('names every member a real sandbox has, methods and properties as they are', async () => {
    const workspace = await mkdtemp(join(home, 'host-'));
    const sandbox = await createHostProvider().create({ sessionId: 'port', workspacePath: workspace });
    try {
      expect(Object.keys(sandbox).sort()).toEqual(Object.keys(PORT_MEMBERS).sort());
      for (const [name, kind] of Object.entries(PORT_MEMBERS)) {
        expect(typeof read(sandbox, name) === 'function' ? 'method' : 'property', name).toBe(kind);
      }
    } finally {
      await sandbox.destroy();
    }
  });
});

describe('every sandbox wrapper forwards every port member', () => {
  it('redacting: changes only what exec and readFile show', async () => {
    const probe = createProbe('probe');
    const wrapper = redactingSandbox(
      probe.sandbox,
      createRedactor([{ name: 'TOKEN', value: 'probe output' }]),
    );
    await expectForwardsEverything(wrapper, () => probe, ['exec', 'readFile']);
    expect((await wrapper.exec('echo')).output).toBe('[secret TOKEN]');
  });

  it('services compartment: routes services commands elsewhere, the rest to the agent sandbox', async () => {
    const agent = createProbe('agent');
    const services = createProbe('services');
    const wrapper = withServicesCompartment(
      agent.sandbox as SupervisedSandbox,
      new Promise(() => {}),
      async () => services.sandbox as SupervisedSandbox,
    );
    await wrapper.exec('serve', { compartment: 'services' });
    expect(services.calls.map(({ member, args }) => [member, args[0]])).toEqual([['exec', 'serve']]);
    await expectForwardsEverything(wrapper, () => agent, []);
    expect(services.calls.at(-1)?.member).toBe('destroy');
  });

  it('layered: to the sandbox current after a restart-mode snapshot replaced the first', async () => {
    const { provider, probes } = probeProvider();
    const sandboxes = createLayeredSandboxes({
      provider,
      store,
      workspacesDir: join(home, 'layered-overlays'),
      mode,
      durable: false,
      snapshotMode: 'restart',
    });
    const wrapper = await sandboxes.start(base, { sessionId: 'layered' });
    await wrapper.snapshot();
    expect(probes).toHaveLength(2);
    await expectForwardsEverything(wrapper, () => probes[1]!, []);
    expect(probes[0]!.calls.map(({ member }) => member)).toEqual(['destroy']);
  });

  it.skipIf(!layers)(
    `session workspace: replaces a sandbox that died in any method but destroy (${reason})`,
    async () => {
      if (!layers) return;
      const { probes } = session;
      const restored: EventData[] = [];
      const workspace = await openSessionWorkspace({
        layers,
        snapshot: base,
        spec: { sessionId: 'session' },
        stablePath: join(home, 'session-stable'),
        lastSaved: () => base,
        onRestored: async (event) => {
          restored.push(event);
        },
      });
      const wrapper = workspace.sandbox;
      try {
        for (const method of METHODS.filter((name) => name !== 'destroy')) {
          const dying = probes.at(-1)!;
          dying.dieOnNext(method);
          await expect(call(wrapper, method), method).rejects.toMatchObject({ code: 'sandbox_restored' });
          expect(probes.at(-1), `${method}: a new sandbox replaced the dead one`).not.toBe(dying);
          expect(dying.calls.at(-1)?.member).toBe('destroy');
        }
        expect(restored).toHaveLength(METHODS.length - 1);
        await expectForwardsEverything(wrapper, () => probes.at(-1)!, []);
      } finally {
        await workspace.abandon();
      }
    },
  );
});
