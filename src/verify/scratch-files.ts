import type { FileDiff } from '../core/unified-diff.ts';

/**
 * New files at the top of the repository that have nothing to do with the task: what an agent leaves
 * behind (repro.py, test_fix.js, notes.md, out.txt). A file counts when the change adds it at the
 * root, the task does not name it (its name, or its name without extension as a word), and it is not
 * one of the files projects keep at their root (manifests, configs, READMEs, dotfiles). A heuristic: it
 * only warns. Pure.
 */
export interface ScratchFile {
  path: string;
  /** The name looks like a leftover (a reproduction script, notes, captured output), not just misplaced. */
  looksScratch: boolean;
}

export function findScratchFiles(task: string, files: readonly FileDiff[]): ScratchFile[] {
  const text = task.toLowerCase();
  const found: ScratchFile[] = [];
  for (const file of files) {
    const path = file.newPath;
    if (path === null || path.includes('/')) continue;
    if (
      file.change !== 'added' &&
      file.change !== 'copied' &&
      !(file.change === 'renamed' && file.oldPath?.includes('/'))
    ) {
      continue;
    }
    if (isConventional(path)) continue;
    const looksScratch = SCRATCH.test(path);
    // "the output is wrong" does not name output.txt; a file that looks like a leftover is named in full.
    if (looksScratch ? text.includes(path.toLowerCase()) : namedIn(text, path)) continue;
    found.push({ path, looksScratch });
  }
  return found;
}

/** Names projects keep at their root, compared case-insensitively. */
const CONVENTIONAL = new RegExp(
  [
    // People's docs and the repository's own metadata.
    '(readme|license|licence|copying|changelog|changes|history|news|contributing|code_of_conduct|security|support|authors|contributors|notice|maintainers|governance|codeowners|agents|claude|citation|upgrading|migrating)(\\..+)?',
    // Manifests and build files.
    'package\\.json|tsconfig(\\..+)?\\.json|jsconfig\\.json|deno\\.jsonc?|biome\\.jsonc?|lerna\\.json|nx\\.json|turbo\\.json|pnpm-workspace\\.yaml|bunfig\\.toml',
    'pyproject\\.toml|setup\\.py|setup\\.cfg|requirements([-_.].+)?\\.(txt|in)|constraints\\.txt|pipfile|tox\\.ini|noxfile\\.py|conftest\\.py|pytest\\.ini|mypy\\.ini|manage\\.py|manifest\\.in|environment\\.ya?ml',
    'go\\.mod|go\\.work|cargo\\.toml|build\\.rs|rust-toolchain(\\.toml)?|clippy\\.toml|rustfmt\\.toml',
    'gemfile|rakefile|.+\\.gemspec|pom\\.xml|build\\.gradle(\\.kts)?|settings\\.gradle(\\.kts)?|gradle\\.properties|gradlew(\\.bat)?|build\\.sbt|mix\\.exs|composer\\.json|.+\\.cabal|stack\\.yaml|dune-project|.+\\.opam|package\\.swift|.+\\.sln|.+\\.csproj|directory\\.build\\.props|global\\.json',
    'makefile|gnumakefile|cmakelists\\.txt|meson\\.build|justfile|taskfile\\.ya?ml|build\\.zig|configure(\\.ac)?|wscript|sconstruct',
    'dockerfile(\\..+)?|.+\\.dockerfile|(docker-)?compose(\\..+)?\\.ya?ml|procfile|vagrantfile|brewfile|flake\\.nix|default\\.nix|shell\\.nix|devbox\\.json',
    // Tool configs: <tool>.config.<ext>, and files named after a tool.
    '[\\w-]+\\.config\\.[cm]?[jt]s|[\\w-]+\\.config\\.json|karma\\.conf\\.js|gruntfile\\.js|gulpfile\\.[cm]?js|mkdocs\\.ya?ml|codecov\\.ya?ml|netlify\\.toml|vercel\\.json|renovate\\.json|app\\.json|angular\\.json|nest-cli\\.json|sonar-project\\.properties|sgconfig\\.yml|cspell\\.json|lefthook\\.ya?ml',
    // A package's entry point.
    'index\\.(d\\.ts|[cm]?[jt]sx?)|main\\.(go|py|rs)|mod\\.rs|lib\\.rs|__init__\\.py|__main__\\.py',
  ]
    .map((alternative) => `(${alternative})`)
    .join('|')
    .replace(/^/, '^(')
    .concat(')$'),
  'i',
);

/** Names an agent gives what it writes for itself: reproductions, quick checks, notes, captured output. */
const SCRATCH =
  /^(repro|reproduce|reproduction|debug|scratch|tmp|temp|test_?fix|fix_?test|test_?(bug|issue|repro|it|this|change|patch|me)|check_?(fix|bug|it)|try|trial|sandbox|playground|verify(_?fix)?|demo_?fix|notes?|todo|plan|summary|changes_?summary|fix_?summary|output|out|result|results|log|diff)([\W_].*)?\.[a-z0-9]+$|\.(log|out|orig|rej|bak|tmp|swp|patch|diff)$/i;

function isConventional(name: string): boolean {
  return name.startsWith('.') || CONVENTIONAL.test(name);
}

/** Whether the task names the file: its whole name, or its name without extension as a word of 3+ characters. */
function namedIn(task: string, name: string): boolean {
  const lower = name.toLowerCase();
  if (task.includes(lower)) return true;
  const stem = lower.replace(/\.[^.]*$/, '');
  if (stem.length < 3) return false;
  return new RegExp(`(^|[^a-z0-9_])${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^a-z0-9_])`).test(task);
}
