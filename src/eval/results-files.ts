import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { EvalInstance, EvalRun } from '../core/eval.ts';
import { reportMarkdown } from './report.ts';
import { resultsDocument } from './results-document.ts';

/** The files of an output directory. */
export const RUN_FILE = 'run.json';
export const RESULTS_FILE = 'results.json';
export const REPORT_FILE = 'report.md';

/** What `--resume DIR` reads: the run's id in the store, and what it was started with. */
export interface RunPointer {
  runId: string;
  dataset: string;
  model: string;
}

/** Writes results.json and report.md, each whole or not at all (a crash never leaves half a file). */
export async function writeResults(
  outDir: string,
  run: EvalRun,
  instances: readonly EvalInstance[],
): Promise<void> {
  const document = resultsDocument(run, instances);
  await writeAtomically(join(outDir, RESULTS_FILE), `${JSON.stringify(document, null, 2)}\n`);
  await writeAtomically(join(outDir, REPORT_FILE), reportMarkdown(document));
}

export async function writeRunPointer(outDir: string, pointer: RunPointer): Promise<void> {
  await writeAtomically(join(outDir, RUN_FILE), `${JSON.stringify(pointer, null, 2)}\n`);
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, content);
  await rename(temporary, path);
}
