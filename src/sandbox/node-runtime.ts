import { readFile, realpath } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { UnavailableError } from '../core/errors.ts';
import { readElfNeeds } from './elf-needs.ts';

/** A host file bound into the sandbox under a name of its own. */
export interface RuntimeFile {
  /** Real host path. */
  source: string;
  /** The name the loader looks for (`libc.so.6`). */
  name: string;
}

/**
 * What drydock's Node binary needs to run on a root file system that is not the host's (an image with
 * another C library, or none): its ELF interpreter and every shared library it loads, transitively.
 * Bound under /opt/drydock/lib, the supervisor runs as `<lib>/<interpreter> --library-path <lib> node`.
 */
export interface NodeRuntime {
  interpreter: RuntimeFile;
  libraries: RuntimeFile[];
}

/** Where a loader looks when no cache tells it: the multiarch and plain library directories. */
const LIBRARY_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib/aarch64-linux-gnu',
  '/usr/lib/aarch64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** Shared objects this process has mapped, by file name: what the loader chose for drydock's own Node. */
async function mappedLibraries(): Promise<Map<string, string>> {
  const maps = await readFile('/proc/self/maps', 'utf8').catch(() => '');
  const found = new Map<string, string>();
  for (const line of maps.split('\n')) {
    const path = line.slice(line.indexOf('/'));
    if (!line.includes('/') || !/\.so(\.|$)/.test(path)) continue;
    if (!found.has(basename(path))) found.set(basename(path), path);
  }
  return found;
}

async function existing(path: string): Promise<string | null> {
  return realpath(path).catch(() => null);
}

function unresolved(nodeBinary: string, what: string): UnavailableError {
  return new UnavailableError(
    'node_runtime_unresolved',
    `drydock cannot run its Node (${nodeBinary}) on an image root: ${what}. Image roots need drydock on a ` +
      'dynamically linked 64-bit Linux Node binary (the official builds are), with its libraries installed.',
    { transient: false },
  );
}

/**
 * Finds the interpreter and libraries of `nodeBinary` from its ELF headers: each DT_NEEDED name as
 * this process mapped it when `nodeBinary` is the one running (what the loader really chose), else
 * in the usual library directories; then theirs, until none is new. Throws node_runtime_unresolved
 * when one cannot be found.
 */
export async function resolveNodeRuntime(nodeBinary: string): Promise<NodeRuntime> {
  const own = (await existing(process.execPath)) === (await existing(nodeBinary));
  const mapped = own ? await mappedLibraries() : new Map<string, string>();
  const needs = await readElfNeeds(nodeBinary);
  if (needs === null) throw unresolved(nodeBinary, 'it is not a 64-bit little-endian ELF program');
  if (needs.interpreter === null) throw unresolved(nodeBinary, 'it names no ELF interpreter');
  const interpreterPath = await existing(needs.interpreter);
  if (interpreterPath === null)
    throw unresolved(nodeBinary, `its interpreter ${needs.interpreter} is missing`);
  const interpreter = { source: interpreterPath, name: basename(needs.interpreter) };

  const find = async (name: string): Promise<string | null> => {
    const known = mapped.get(name);
    if (known !== undefined) return existing(known);
    for (const dir of LIBRARY_DIRS) {
      const path = await existing(join(dir, name));
      if (path !== null) return path;
    }
    return null;
  };
  const libraries: RuntimeFile[] = [];
  const seen = new Set([interpreter.name]);
  const queue = [...needs.needed];
  for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
    if (seen.has(name)) continue;
    seen.add(name);
    const source = await find(name);
    if (source === null) throw unresolved(nodeBinary, `its library ${name} is not found`);
    libraries.push({ source, name });
    queue.push(...((await readElfNeeds(source))?.needed ?? []));
  }
  return { interpreter, libraries };
}
