import { BadInputError } from '../core/errors.ts';
import { patchFiles } from '../core/patch-files.ts';
import type { Sandbox } from '../core/ports/sandbox.ts';

/**
 * Applies the hidden tests (`test_patch`) to the workspace through the sandbox's own file API and
 * commands, never through the host's file system: the tree is what the agent delivered, so a path in
 * it may be a symlink out of the workspace. A path that is or goes through a symlink is refused (git
 * apply refuses the same, "beyond a symbolic link"); even so, what the sandbox writes resolves inside
 * the sandbox, where no host directory is writable.
 *
 * Throws `BadInputError` (`patch_does_not_apply`) naming the file, and the hunk when one does not apply.
 */
export async function applyTestPatch(sandbox: Sandbox, patch: string): Promise<void> {
  const read = async (path: string): Promise<Buffer | null> => {
    await refuseSymlinks(sandbox, path);
    const info = await sandbox.stat(path);
    if (info === null) return null;
    if (info.type !== 'file') throw notApplied(path, `it is a ${info.type}, not a file`);
    return sandbox.readFile(path);
  };
  // The hidden tests win over a file of the same name the change added: grading runs the dataset's tests.
  const files = await patchFiles(patch, read, 'test_patch', { replaceExisting: true });
  for (const file of files) {
    await refuseSymlinks(sandbox, file.path);
    if (file.kind === 'delete') {
      await run(sandbox, ['rm', '-f', '--', file.path], file.path);
      continue;
    }
    const info = await sandbox.stat(file.path);
    if (info !== null && info.type !== 'file')
      throw notApplied(file.path, `it is a ${info.type}, not a file`);
    await sandbox.writeFile(file.path, file.content);
    if (file.executable !== null) {
      await run(sandbox, ['chmod', file.executable ? '+x' : '-x', '--', file.path], file.path);
    }
  }
}

/** Throws when the path, or a directory on the way to it, is a symlink in the workspace. */
async function refuseSymlinks(sandbox: Sandbox, path: string): Promise<void> {
  const parts = path.split('/');
  for (let count = 1; count <= parts.length; count++) {
    const prefix = parts.slice(0, count).join('/');
    const info = await sandbox.stat(prefix);
    // Nothing there: the rest of the path is created, as directories and the file.
    if (info === null) return;
    if (info.type === 'symlink') {
      throw notApplied(
        path,
        `${prefix === path ? 'it' : prefix} is a symbolic link in the delivered tree, and the hidden tests are not written through one`,
      );
    }
  }
}

async function run(sandbox: Sandbox, argv: readonly string[], path: string): Promise<void> {
  const result = await sandbox.exec(argv, { timeoutMs: 60_000 });
  if (result.exitCode !== 0) {
    throw notApplied(path, `\`${argv.join(' ')}\` failed: ${result.output.trim().slice(-500)}`);
  }
}

function notApplied(path: string, why: string): BadInputError {
  return new BadInputError('patch_does_not_apply', `test_patch does not apply to ${path}: ${why}.`, {
    details: { file: path },
  });
}
