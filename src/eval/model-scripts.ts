import { BadInputError } from '../core/errors.ts';
import { patchFiles, type ReadFile } from '../core/patch-files.ts';
import type { Script, ScriptToolCall, ScriptTurn } from '../models/script-file.ts';

/**
 * `drydock eval --model oracle`: a scripted coder that applies the instance's own reference `patch`
 * through the normal tools, and a reviewer that approves. It checks the harness, not a model: every
 * instance should come out resolved, and one that does not is a broken instance.
 *
 * Each changed file is written whole (write_file, its new content computed from the base content with
 * jsdiff), each removed one deleted with bash, then the coder finishes with a summary naming every file
 * (the gate's soft signals accept a deleted test the summary names). Should the gate still send the
 * change back, the coder gives up rather than running out of script. Throws `BadInputError`
 * (`patch_does_not_apply`) naming the file when the patch cannot be applied to the base (binary, a
 * hunk that does not match, a missing file).
 */
export async function oracleScript(patch: string, readBaseFile: ReadFile): Promise<Script> {
  const files = await patchFiles(patch, readBaseFile, 'the reference patch');
  if (files.length === 0) {
    throw new BadInputError('patch_does_not_apply', 'The reference patch changes no file.');
  }
  const calls: ScriptToolCall[] = [];
  for (const file of files) {
    if (file.kind === 'delete') {
      calls.push({ name: 'bash', input: { command: `rm -f -- ${shellQuote(file.path)}` } });
      continue;
    }
    calls.push({ name: 'write_file', input: { path: file.path, content: file.content } });
    if (file.executable !== null) {
      const mode = file.executable ? '+x' : '-x';
      calls.push({ name: 'bash', input: { command: `chmod ${mode} -- ${shellQuote(file.path)}` } });
    }
  }
  const written = files.filter((file) => file.kind === 'write').map((file) => file.path);
  const deleted = files.filter((file) => file.kind === 'delete').map((file) => file.path);
  const summary = [
    'Applied the reference patch.',
    written.length > 0 ? `Wrote ${written.join(', ')}.` : '',
    deleted.length > 0 ? `Deleted ${deleted.join(', ')}.` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  const coder: ScriptTurn[] = [
    { text: 'Applying the reference patch.', toolCalls: calls },
    { toolCalls: [{ name: 'finish', input: { summary } }] },
    {
      toolCalls: [
        {
          name: 'give_up',
          input: { reason: 'The reference patch did not pass the gate; the oracle has nothing else to try.' },
        },
      ],
    },
  ];
  const reviewer: ScriptTurn[] = [
    {
      toolCalls: [
        {
          name: 'submit_review',
          input: { summary: 'The reference patch (oracle self-check): approved as is.', findings: [] },
        },
      ],
    },
  ];
  return { coder, reviewer };
}

/**
 * `drydock eval --model null`: a coder that gives up at once. Nothing should be delivered; anything
 * that is shows the harness counting deliveries wrong.
 */
export function nullScript(): Script {
  return {
    coder: [
      {
        toolCalls: [
          { name: 'give_up', input: { reason: 'The null model gives up at once (harness self-check).' } },
        ],
      },
    ],
  };
}

/** One shell word, single-quoted. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}
