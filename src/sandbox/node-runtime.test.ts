import { realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElfNeeds } from './elf-needs.ts';
import { resolveNodeRuntime } from './node-runtime.ts';

describe('readElfNeeds', () => {
  it("reads the interpreter and DT_NEEDED names of drydock's Node", async () => {
    const needs = await readElfNeeds(await realpath(process.execPath));
    expect(needs?.interpreter).toMatch(/^\/.*ld-linux.*\.so\.\d$/);
    expect(needs?.needed).toContain('libc.so.6');
  });

  it('is null for what is not an ELF file', async () => {
    const file = join(tmpdir(), `drydock-not-elf-${process.pid}`);
    await writeFile(file, '#!/bin/sh\necho hi\n');
    try {
      expect(await readElfNeeds(file)).toBeNull();
    } finally {
      await rm(file, { force: true });
    }
  });
});

describe('resolveNodeRuntime', () => {
  it('finds every library Node loads, transitively, as real files, and the loader apart', async () => {
    const runtime = await resolveNodeRuntime(await realpath(process.execPath));
    const names = runtime.libraries.map((file) => file.name);
    expect(names).toContain('libc.so.6');
    expect(names).not.toContain(runtime.interpreter.name);
    expect(new Set(names).size).toBe(names.length);
    for (const file of [runtime.interpreter, ...runtime.libraries]) {
      expect(await realpath(file.source)).toBe(file.source);
    }
    // Each library's own needs are among them (libstdc++ needs libm and libgcc_s, say).
    for (const file of runtime.libraries) {
      for (const needed of (await readElfNeeds(file.source))?.needed ?? []) {
        expect([...names, runtime.interpreter.name]).toContain(needed);
      }
    }
  });

  it('refuses a program that is not ELF, saying why', async () => {
    const file = join(tmpdir(), `drydock-not-node-${process.pid}`);
    await writeFile(file, 'not a program');
    try {
      await expect(resolveNodeRuntime(file)).rejects.toMatchObject({ code: 'node_runtime_unresolved' });
    } finally {
      await rm(file, { force: true });
    }
  });
});
