import { type FileDiff, parseUnifiedDiff } from '../core/unified-diff.ts';
import { findScratchFiles } from './scratch-files.ts';
import { findSecrets } from './secrets.ts';
import { clipLine, type SoftSignal, softSignal } from './soft-signal.ts';
import { findFarAreas } from './task-scope.ts';
import { isTestFile } from './test-files.ts';
import { findTestWeakening } from './test-weakening.ts';

/** What a diff shows besides whether the tests pass. Pure. */

export type { SoftSignal, SoftSignalKind, SoftSignalSeverity } from './soft-signal.ts';

export interface SoftSignalLimits {
  /** Added plus removed lines above which the diff is large. */
  largeDiffLines: number;
  /** Files touched above which the diff is large. */
  largeDiffFiles: number;
  /** Added lines above which a file whose lines are mostly very long looks generated. */
  generatedFileLines: number;
  /** A line this long is not written by hand. */
  generatedLineChars: number;
}

export const DEFAULT_SOFT_SIGNAL_LIMITS: SoftSignalLimits = {
  largeDiffLines: 1_500,
  largeDiffFiles: 40,
  generatedFileLines: 500,
  generatedLineChars: 300,
};

export interface SoftSignalOptions {
  /** The task's text; without it, `far_from_task` and `scratch_file` are not judged. */
  task?: string;
  limits?: Partial<SoftSignalLimits>;
  /** Repositories inside the workspace (never part of the diff: drydock does not stage them). */
  nestedRepositories?: readonly string[];
}

/** Reads a `git diff` (text, or already parsed) and lists its soft signals, file by file. */
export function findSoftSignals(
  diff: string | readonly FileDiff[],
  options: SoftSignalOptions = {},
): SoftSignal[] {
  const files = typeof diff === 'string' ? parseUnifiedDiff(diff) : diff;
  const limits = { ...DEFAULT_SOFT_SIGNAL_LIMITS, ...options.limits };
  const signals: SoftSignal[] = [...findTestWeakening(files)];
  for (const path of options.nestedRepositories ?? []) {
    signals.push(
      softSignal(
        'nested_repository',
        path,
        undefined,
        'a git repository of its own inside the workspace (or a submodule path holding one): drydock never ' +
          'delivers nested repositories or submodule changes; delete its .git (or the directory)',
      ),
    );
  }
  for (const file of files) {
    const generated = generatedReason(file, limits);
    if (generated) {
      signals.push(softSignal('binary_or_generated', file.path, undefined, generated));
      continue;
    }
    for (const line of file.added) {
      for (const secret of findSecrets(line.text)) {
        signals.push(softSignal('secret', file.path, line.line, `${secret.kind}: ${secret.redacted}`));
      }
      const debug = debugOutput(file.path, line.text);
      if (debug)
        signals.push(softSignal('debug_output', file.path, line.line, `${debug}: ${clipLine(line.text)}`));
    }
  }
  const changed = files.reduce((sum, file) => sum + file.added.length + file.removed.length, 0);
  if (changed > limits.largeDiffLines || files.length > limits.largeDiffFiles) {
    signals.push(
      softSignal(
        'large_diff',
        '',
        undefined,
        `${files.length} files, ${changed} lines changed (limits: ${limits.largeDiffFiles} files, ${limits.largeDiffLines} lines)`,
      ),
    );
  }
  if (options.task !== undefined) {
    for (const area of findFarAreas(
      options.task,
      files.map((file) => file.path),
    )) {
      const evidence = `touches ${area.directory}/ (${area.files.join(', ')}), which the task does not mention; most of the change is in ${area.mainArea}/`;
      signals.push(softSignal('far_from_task', area.files[0] ?? area.directory, undefined, evidence));
    }
    for (const scratch of findScratchFiles(options.task, files)) {
      const evidence = scratch.looksScratch
        ? 'a new file at the top of the repository that the task does not name and that looks like a leftover ' +
          '(a reproduction script, notes, captured output): delete it, or move it where it belongs if the change needs it'
        : 'a new file at the top of the repository that the task does not name and that projects do not keep ' +
          'there: move it where it belongs (with the code or tests it goes with), or delete it';
      signals.push(softSignal('scratch_file', scratch.path, undefined, evidence));
    }
  }
  return signals;
}

const LOCKFILES =
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|yarn\.lock|pnpm-lock\.yaml|bun\.lockb?|Cargo\.lock|poetry\.lock|Pipfile\.lock|uv\.lock|go\.sum|composer\.lock|Gemfile\.lock|flake\.lock)$/;
const BUILD_OUTPUT = /(^|\/)(dist|build|out|target|node_modules|vendor|__pycache__|coverage|\.next)\//;
const MINIFIED = /\.min\.(js|css|mjs)$|\.(map|pyc|pyo|class|o|so|dll|exe|wasm)$/;
const GENERATED_MARKER = /@generated\b|\bDO NOT EDIT\b|^\s*(\/\/|#) Code generated .* DO NOT EDIT/;

function generatedReason(file: FileDiff, limits: SoftSignalLimits): string | undefined {
  if (file.binary) return `binary file ${file.change}`;
  if (LOCKFILES.test(file.path)) return 'lockfile changed';
  if (BUILD_OUTPUT.test(file.path)) return 'build output or vendored code';
  if (MINIFIED.test(file.path)) return 'minified or compiled file';
  if (file.added.slice(0, 10).some((line) => GENERATED_MARKER.test(line.text))) return 'marked as generated';
  const long = file.added.filter((line) => line.text.length > limits.generatedLineChars).length;
  if (file.added.length > limits.generatedFileLines && long * 2 > file.added.length) {
    return `${file.added.length} added lines, ${long} longer than ${limits.generatedLineChars} characters`;
  }
  return undefined;
}

/** Directories where printing is the point. */
const PRINTS_ON_PURPOSE = /(^|\/)(bin|cli|cmd|scripts?|tools|examples?|demo)\/|(^|\/)main\.(go|py|rs)$/;

function debugOutput(path: string, text: string): string | undefined {
  if (/^\s*(\/\/|#|\*|\/\*)/.test(text)) return undefined;
  const test = isTestFile(path);
  if (/\.([cm]?[jt]sx?|vue|svelte)$/.test(path)) {
    if (/(^|[^\w.])debugger\s*;?\s*$/.test(text)) return 'debugger statement';
    if (!test && !PRINTS_ON_PURPOSE.test(path) && /\bconsole\.(log|debug|trace|dir)\s*\(/.test(text)) {
      return 'console output';
    }
  }
  if (path.endsWith('.py')) {
    if (/\b(breakpoint\s*\(\)|pdb\.set_trace\s*\(|import i?pdb\b)/.test(text)) return 'debugger call';
    if (!test && !PRINTS_ON_PURPOSE.test(path) && /^\s*print\s*\(/.test(text)) return 'print call';
  }
  if (path.endsWith('.go') && !test && !PRINTS_ON_PURPOSE.test(path)) {
    if (/\bfmt\.Print(ln|f)?\s*\(|^\s*println\s*\(|\bspew\.Dump\s*\(/.test(text)) return 'print call';
  }
  if (path.endsWith('.rs') && /\bdbg!\s*\(/.test(text)) return 'dbg! macro';
  if (path.endsWith('.rb') && /\bbinding\.(pry|irb)\b|^\s*byebug\b/.test(text)) return 'debugger call';
  return undefined;
}
