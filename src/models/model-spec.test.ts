import { describe, expect, it } from 'vitest';
import { BadInputError } from '../core/errors.ts';
import { parseModelSpec } from './model-spec.ts';

describe('parseModelSpec', () => {
  it.each([
    ['anthropic:claude-sonnet-4-5', 'anthropic', 'claude-sonnet-4-5'],
    ['openai:gpt-5', 'openai', 'gpt-5'],
    ['openai-compatible:llama3.1:8b', 'openai-compatible', 'llama3.1:8b'],
    ['script:test/demo.json', 'script', 'test/demo.json'],
    ['  openai:gpt-4o  ', 'openai', 'gpt-4o'],
  ])('parses %j', (spec, provider, modelId) => {
    expect(parseModelSpec(spec)).toEqual({ provider, modelId });
  });

  it.each([
    'gpt-5',
    'google:gemini-2.5-pro',
    'anthropic:',
    'anthropic:   ',
    ':claude',
    '',
    'Anthropic:claude-sonnet-4-5',
  ])('rejects %j listing the accepted forms', (spec) => {
    let error: unknown;
    try {
      parseModelSpec(spec);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BadInputError);
    expect(error).toMatchObject({ code: 'unknown_model', kind: 'bad_input' });
    const message = (error as Error).message;
    expect(message).toContain(`"${spec}"`);
    for (const form of [
      'anthropic:<model>',
      'openai:<model>',
      'openai-compatible:<model> (with DRYDOCK_OPENAI_BASE_URL)',
      'script:<file.json>',
    ]) {
      expect(message).toContain(form);
    }
  });
});
