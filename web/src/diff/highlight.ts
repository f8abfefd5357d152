import hljs from 'highlight.js/lib/core';

type LanguageModule = { default: Parameters<typeof hljs.registerLanguage>[1] };

/**
 * The languages the diff highlights, each loaded on first use (a chunk of its own), by file extension.
 * A handful that covers most repositories keeps the diff's chunk small; others show plain.
 */
const LOADERS: Record<string, () => Promise<LanguageModule>> = {
  javascript: () => import('highlight.js/lib/languages/javascript'),
  typescript: () => import('highlight.js/lib/languages/typescript'),
  json: () => import('highlight.js/lib/languages/json'),
  css: () => import('highlight.js/lib/languages/css'),
  xml: () => import('highlight.js/lib/languages/xml'),
  markdown: () => import('highlight.js/lib/languages/markdown'),
  python: () => import('highlight.js/lib/languages/python'),
  go: () => import('highlight.js/lib/languages/go'),
  rust: () => import('highlight.js/lib/languages/rust'),
  java: () => import('highlight.js/lib/languages/java'),
  bash: () => import('highlight.js/lib/languages/bash'),
  yaml: () => import('highlight.js/lib/languages/yaml'),
};

const EXTENSIONS: Record<string, string> = {
  js: 'javascript',
  mjs: 'javascript',
  cjs: 'javascript',
  jsx: 'javascript',
  ts: 'typescript',
  mts: 'typescript',
  cts: 'typescript',
  tsx: 'typescript',
  json: 'json',
  css: 'css',
  html: 'xml',
  xml: 'xml',
  svg: 'xml',
  md: 'markdown',
  py: 'python',
  go: 'go',
  rs: 'rust',
  java: 'java',
  sh: 'bash',
  bash: 'bash',
  yml: 'yaml',
  yaml: 'yaml',
};

/** The highlighter's language for a path, or null to show it plain. Pure. */
export function languageOf(path: string): string | null {
  const name = path.split('/').pop() ?? path;
  const ext = name.includes('.') ? name.split('.').pop()?.toLowerCase() : undefined;
  return (ext && EXTENSIONS[ext]) || null;
}

const loading = new Map<string, Promise<boolean>>();

/** Registers `language` once; false when it cannot be loaded (the file then shows plain). */
export function loadLanguage(language: string): Promise<boolean> {
  let promise = loading.get(language);
  if (!promise) {
    const loader = LOADERS[language];
    promise = loader
      ? loader().then(
          (module) => {
            hljs.registerLanguage(language, module.default);
            return true;
          },
          () => false,
        )
      : Promise.resolve(false);
    loading.set(language, promise);
  }
  return promise;
}

/**
 * One line as highlighted HTML (highlight.js escapes the text, so it is safe to insert), or null when
 * the language is not loaded. Lines are highlighted one by one: a diff shows fragments of files, so a
 * construct opened outside the hunk would mislead a highlighter given the whole hunk anyway.
 */
export function highlightLine(text: string, language: string | null): string | null {
  if (language === null || !hljs.getLanguage(language)) return null;
  return hljs.highlight(text, { language, ignoreIllegals: true }).value;
}
