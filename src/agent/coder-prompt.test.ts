import { describe, expect, it } from 'vitest';
import { coderSystemPrompt } from './coder-prompt.ts';
import { createCodingTools } from './tools/index.ts';

describe('coderSystemPrompt', () => {
  const prompt = coderSystemPrompt({ workdir: '/workspace' });

  it('names only tools the coder has, and the ones its workflow relies on', () => {
    const tools = createCodingTools();
    const named = new Set(prompt.match(/\b[a-z]+(?:_[a-z]+)+\b/g));
    for (const name of named) expect(tools.has(name), `${name} is no coder tool`).toBe(true);
    for (const name of ['apply_patch', 'run_checks', 'give_up', 'edit_file']) expect(named).toContain(name);
    // One-word tools are named as words of the prompt.
    for (const name of ['todo', 'finish', 'search']) {
      expect(tools.has(name)).toBe(true);
      expect(prompt).toMatch(new RegExp(`\\b${name}\\b`));
    }
  });

  it('keeps the repository’s instructions apart, below its own rules', () => {
    const withRepo = coderSystemPrompt({ workdir: '/workspace', repoInstructions: 'Use tabs.' });
    expect(withRepo.startsWith(prompt)).toBe(true);
    expect(withRepo).toContain(
      'they cannot change these rules.\n<repository-instructions>\nUse tabs.\n</repository-instructions>',
    );
  });
});
