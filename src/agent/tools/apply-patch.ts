import { z } from 'zod';
import { isBadInput } from '../../core/errors.ts';
import { type PatchedFile, patchFiles } from '../../core/patch-files.ts';
import type { Sandbox } from '../../core/ports/sandbox.ts';
import { placeholdersIn } from '../../core/redaction.ts';
import { defineTool, ToolError } from '../tool.ts';
import { resolveWorkspacePath } from './workspace-path.ts';

export const applyPatchTool = defineTool({
  name: 'apply_patch',
  description:
    'Apply a unified diff (the format of `git diff` / `diff -u`) to the workspace: several files at once, ' +
    'creating (--- /dev/null), deleting (+++ /dev/null) and renaming (git\'s "rename from/to") files. ' +
    'Atomic: either every hunk of every file applies, or nothing is written and the error names the file and ' +
    'the hunk that did not apply, with the lines it expected beside the lines the file has. Each hunk needs ' +
    'its context and removed lines copied exactly from the current file (whitespace included); line numbers ' +
    'in @@ headers may be approximate and the counts are recomputed. Prefer it to edit_file for changes to ' +
    'several places or files. Paths are relative to the workspace root (a/ and b/ prefixes are fine).',
  inputSchema: z.object({
    patch: z.string().min(1, 'patch must not be empty').describe('The unified diff'),
  }),
  async execute({ patch }, { sandbox, redact }) {
    const names = redact ? placeholdersIn(patch, redact.names) : [];
    if (names.length > 0) {
      throw new ToolError(
        `The patch holds the secret placeholder of ${names.join(', ')}; the files have the real values, so a ` +
          'patch cannot match or write them. Use edit_file around those lines instead. Nothing was written.',
      );
    }
    let files: PatchedFile[];
    try {
      files = await patchFiles(patch, (path) => readForPatch(sandbox, path), 'the patch', {
        lenientHeaders: true,
        root: sandbox.workdir,
      });
    } catch (error) {
      if (isBadInput(error, 'patch_does_not_apply'))
        throw new ToolError(`${error.message}\nNothing was written.`);
      throw error;
    }
    if (files.length === 0) {
      throw new ToolError(
        'The patch names no file: give a unified diff with --- and +++ headers and @@ hunks. Nothing was written.',
      );
    }
    await writeAll(sandbox, files);
    return { output: `Applied the patch:\n${describe(files).join('\n')}`, summary: summaryOf(files) };
  },
});

/** A file's current content for the patch; refuses anything but a regular file reached without a symlink. */
async function readForPatch(sandbox: Sandbox, path: string): Promise<Buffer | null> {
  const relative = await checkTarget(sandbox, path);
  const info = await sandbox.stat(relative);
  return info === null ? null : sandbox.readFile(relative);
}

/**
 * The path confined to the workspace, checked before anything is written: neither it nor a directory on
 * the way to it is a symlink (a write through one would land wherever it points), and what is there is a
 * regular file or nothing.
 */
async function checkTarget(sandbox: Sandbox, path: string): Promise<string> {
  const relative = resolveWorkspacePath(sandbox.workdir, path);
  const parts = relative.split('/');
  for (let count = 1; count <= parts.length; count++) {
    const prefix = parts.slice(0, count).join('/');
    const info = await sandbox.stat(prefix);
    if (info === null) return relative;
    if (info.type === 'symlink') {
      throw new ToolError(
        `${prefix === relative ? relative : `${prefix} (on the way to ${relative})`} is a symbolic link; apply_patch ` +
          'does not write through links. Change the file it points to by its own path. Nothing was written.',
      );
    }
    if (count < parts.length && info.type !== 'directory') {
      throw new ToolError(
        `${prefix} is not a directory, so ${relative} cannot be there. Nothing was written.`,
      );
    }
    if (count === parts.length && info.type !== 'file') {
      throw new ToolError(`${relative} is a ${info.type}, not a file. Nothing was written.`);
    }
  }
  return relative;
}

/**
 * Writes every file, or none: each target is checked first, and should a write still fail (a full disk,
 * a dead sandbox) the files already written are put back as they were before the error is raised.
 */
async function writeAll(sandbox: Sandbox, files: readonly PatchedFile[]): Promise<void> {
  const before = new Map<string, Buffer | null>();
  for (const file of files) {
    const relative = await checkTarget(sandbox, file.path);
    if (!before.has(relative)) {
      before.set(relative, (await sandbox.stat(relative)) === null ? null : await sandbox.readFile(relative));
    }
  }
  const touched: string[] = [];
  try {
    for (const file of files) {
      touched.push(file.path);
      if (file.kind === 'delete') {
        await run(sandbox, ['rm', '-f', '--', file.path]);
        continue;
      }
      await sandbox.writeFile(file.path, file.content);
      // A new file is written without the executable bit: only +x, or a change to an existing file's mode, needs chmod.
      if (file.executable === true || (file.executable === false && !file.created)) {
        await run(sandbox, ['chmod', file.executable ? '+x' : '-x', '--', file.path]);
      }
    }
  } catch (error) {
    for (const path of [...touched].reverse()) {
      const original = before.get(path);
      await (original === null || original === undefined
        ? run(sandbox, ['rm', '-f', '--', path])
        : sandbox.writeFile(path, original)
      ).catch(() => {});
    }
    throw new ToolError(
      `Applying the patch failed at ${touched.at(-1) ?? 'the first file'}, and the files written were restored: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

async function run(sandbox: Sandbox, argv: readonly string[]): Promise<void> {
  const result = await sandbox.exec(argv, { timeoutMs: 60_000 });
  if (result.exitCode !== 0)
    throw new Error(`\`${argv.join(' ')}\` failed: ${result.output.trim().slice(-500)}`);
}

/** One line per file: A (added, a rename's new path too), M (modified), D (deleted). */
function describe(files: readonly PatchedFile[]): string[] {
  const lines: string[] = [];
  for (const file of files) {
    if (file.kind === 'delete') {
      lines.push(`D ${file.path}`);
      continue;
    }
    const count =
      file.content === '' ? 0 : file.content.split('\n').length - (file.content.endsWith('\n') ? 1 : 0);
    const mode = file.executable
      ? ', executable'
      : file.executable === false && !file.created
        ? ', not executable'
        : '';
    lines.push(`${file.created ? 'A' : 'M'} ${file.path} (${count} lines${mode})`);
  }
  return lines;
}

function summaryOf(files: readonly PatchedFile[]): string {
  const paths = [...new Set(files.map((file) => file.path))];
  const shown = paths.slice(0, 3).join(', ');
  return `patched ${paths.length} file${paths.length === 1 ? '' : 's'}: ${shown}${paths.length > 3 ? ', …' : ''}`;
}
