// Fails when src/ has an import cycle, or when a layer imports one above it (DESIGN.md: dependencies
// point inward; core imports nothing of ours). Run by `npm run lint`.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'src');
/** What each part may import besides itself. */
const ALLOWED: Record<string, readonly string[]> = {
  core: [],
  store: ['core'],
  queue: ['core'],
  sandbox: ['core'],
  models: ['core'],
  forge: ['core'],
  // Issue trackers (Linear, Jira) behind the Tracker port: adapters of their APIs, like forge.
  trackers: ['core'],
  environments: ['core', 'forge', 'sandbox'],
  agent: ['core'],
  verify: ['core'],
  review: ['core', 'agent', 'verify'],
  memory: ['core'],
  sessions: ['core', 'agent', 'verify', 'review', 'memory', 'forge', 'environments'],
  triggers: ['core', 'sessions', 'environments'],
  eval: ['core', 'sessions', 'verify', 'forge', 'environments', 'models', 'sandbox', 'agent', 'review'],
  server: [
    'core',
    'sessions',
    'store',
    'queue',
    'sandbox',
    'models',
    'forge',
    'trackers',
    'environments',
    'triggers',
  ],
  // MCP is a client surface over the server's operations: `drydock up` mounts it, `drydock mcp` runs it.
  mcp: ['core', 'sessions', 'triggers', 'server'],
  cli: [
    'core',
    'sessions',
    'store',
    'queue',
    'sandbox',
    'models',
    'forge',
    'environments',
    'server',
    'eval',
    'mcp',
  ],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'fixtures' ? [] : files(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const graph = new Map<string, string[]>();
const problems: string[] = [];
for (const file of files(root)) {
  const source = readFileSync(file, 'utf8');
  const imports = [...source.matchAll(/^(?:import|export)[^'"]*from\s+'(\.[^']+)'/gm)].map((match) =>
    resolve(dirname(file), match[1]!),
  );
  graph.set(file, imports);
  const part = relative(root, file).split('/')[0]!;
  for (const target of imports) {
    const targetPart = relative(root, target).split('/')[0]!;
    if (targetPart === part || targetPart.startsWith('..')) continue;
    const allowed = ALLOWED[part];
    if (allowed && !allowed.includes(targetPart)) {
      problems.push(
        `${relative(root, file)} imports ${relative(root, target)}: ${part} may not depend on ${targetPart}`,
      );
    }
  }
}

const state = new Map<string, 'visiting' | 'done'>();
function visit(file: string, path: string[]): void {
  if (state.get(file) === 'done') return;
  if (state.get(file) === 'visiting') {
    const cycle = path.slice(path.indexOf(file)).concat(file);
    problems.push(`import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`);
    return;
  }
  state.set(file, 'visiting');
  for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next, [...path, file]);
  state.set(file, 'done');
}
for (const file of graph.keys()) visit(file, []);

if (problems.length > 0) {
  process.stderr.write(`${problems.join('\n')}\n`);
  process.exit(1);
}
process.stdout.write(`imports: ${graph.size} files, no cycles, layers respected\n`);
