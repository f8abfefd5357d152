import { describe, expect, it } from 'vitest';
import { NO_REDACTION } from '../../core/redaction.ts';
import { createRedactor } from '../../environments/redactor.ts';
import { type EditPlan, planEdit } from './plan-edit.ts';

const TOKEN = 'tok-9f8e7d6c';
const redact = createRedactor([{ name: 'TOKEN', value: TOKEN }]);
const FILE = `name = demo\ntoken = ${TOKEN}\ndebug = false\n`;
const B64 = Buffer.from(TOKEN).toString('base64');

describe('planEdit', () => {
  it.each<[string, string, string, string, EditPlan | RegExp]>([
    ['no secrets: a plain replacement', 'a\nb\n', 'b', 'c', { content: 'a\nc\n', line: 2 }],
    [
      'another line of a file with a secret keeps the value',
      FILE,
      'debug = false',
      'debug = true',
      {
        content: `name = demo\ntoken = ${TOKEN}\ndebug = true\n`,
        line: 3,
      },
    ],
    [
      'a line next to the secret, the newline included',
      FILE,
      'name = demo\n',
      'name = app\nport = 1\n',
      {
        content: `name = app\nport = 1\ntoken = ${TOKEN}\ndebug = false\n`,
        line: 1,
      },
    ],
    [
      'an encoded secret keeps its bytes too',
      `auth=${B64}\nx=1\n`,
      'x=1',
      'x=2',
      { content: `auth=${B64}\nx=2\n`, line: 2 },
    ],
    [
      'text also inside the secret: the visible occurrence is edited',
      `k = ${TOKEN}\nv = 9f8e\n`,
      '9f8e',
      'beef',
      {
        content: `k = ${TOKEN}\nv = beef\n`,
        line: 2,
      },
    ],
    [
      'oldText with the placeholder is refused',
      FILE,
      'token = [secret TOKEN]',
      'token = x',
      /holds the secret TOKEN.*Edit around it/s,
    ],
    [
      'newText with the placeholder is refused',
      FILE,
      'debug = false',
      'copy = [secret TOKEN]',
      /newText holds \[secret TOKEN\]/,
    ],
    [
      'an encoded placeholder is refused too',
      FILE,
      'debug = false',
      '[secret TOKEN (base64)]',
      /newText holds/,
    ],
    [
      'only what the model saw matches: the value itself is not there for it',
      FILE,
      TOKEN,
      'x',
      /was not found/,
    ],
    [
      'writing the value in is refused',
      FILE,
      'debug = false',
      `copy = ${TOKEN}`,
      /change part of a secret's value .*or write one/s,
    ],
    ['ambiguous in the view', 'x\nx\n', 'x', 'y', /matches 2 times .*lines 1, 2/],
  ])('%s', (_name, real, oldText, newText, expected) => {
    const plan = planEdit(real, oldText, newText, redact, 'app.conf');
    if (expected instanceof RegExp) {
      expect(plan).toEqual({ problem: expect.stringMatching(expected) });
    } else {
      expect(plan).toEqual(expected);
    }
  });

  it('without secrets, a placeholder-looking text is ordinary text', () => {
    expect(planEdit('say [secret TOKEN]\n', '[secret TOKEN]', 'hi', NO_REDACTION, 'a')).toEqual({
      content: 'say hi\n',
      line: 1,
    });
  });
});
