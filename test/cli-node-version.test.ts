import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = join(import.meta.dirname, '..', 'bin', 'drydock.js');

/** Runs the bin as if this Node were `version` (process.versions replaced before the bin loads). */
function runAs(version: string, args: string[]) {
  const pretend = `Object.defineProperty(process, "versions", { value: { ...process.versions, node: "${version}" } })`;
  return spawnSync(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', `data:text/javascript,${pretend}`, BIN, ...args],
    { encoding: 'utf8', timeout: 60_000 },
  );
}

// The Node requirement is checked by the bin, not by package.json's engines (which npx checks against
// the Node running npm, and warned about on every first `npx drydock` under an older system Node).
describe('bin/drydock.js on an old Node', () => {
  it('refuses a Node older than 22.18 and says what to run instead', () => {
    const result = runAs('22.17.9', ['--help']);
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      /drydock needs Node 22\.18 or later, and \S+ is Node 22\.17\.9\. Run it with npx drydock/,
    );
  });

  it('runs on 22.18', () => {
    const result = runAs('22.18.0', ['--help']);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Usage: drydock');
    expect(result.status).toBe(0);
  });
});
