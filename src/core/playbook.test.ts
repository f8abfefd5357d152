import { describe, expect, it } from 'vitest';
import { BadInputError } from './errors.ts';
import {
  inputsFromPairs,
  parsePlaybook,
  parsePlaybookCall,
  renderPlaybook,
  resolveInputs,
  stepsOf,
} from './playbook.ts';

const DEP_BUMP = `---
description: Bump a dependency to a new version
inputs:
  package:
    description: the npm package
    required: true
  version:
    description: the version to go to
    default: latest
  note:
    description: anything the reviewer should know
model: script:demo
attempts: 2
checks: [test, typecheck]
---
1. Bump {{package}} to {{ version }} in package.json.
2. Fix what breaks in code that uses {{package}}.
   Keep changes small.
3. Run the tests.
`;

function errorOf(run: () => unknown): BadInputError {
  try {
    run();
  } catch (error) {
    if (error instanceof BadInputError) return error;
    throw error;
  }
  throw new Error('expected a BadInputError');
}

describe('parsePlaybook', () => {
  it('reads the front matter and the body', () => {
    const playbook = parsePlaybook('dep-bump', DEP_BUMP);
    expect(playbook).toMatchObject({
      name: 'dep-bump',
      description: 'Bump a dependency to a new version',
      model: 'script:demo',
      attempts: 2,
      checks: ['test', 'typecheck'],
    });
    expect(playbook.inputs).toEqual({
      package: { description: 'the npm package', required: true },
      version: { description: 'the version to go to', required: false, default: 'latest' },
      note: { description: 'anything the reviewer should know', required: false },
    });
    expect(playbook.body.startsWith('1. Bump {{package}}')).toBe(true);
  });

  const cases: Array<[string, string, RegExp]> = [
    ['no front matter', 'just steps\n', /x\.md line 1: a playbook starts with front matter/],
    ['no closing line', '---\ndescription: x\n', /x\.md line 1: the front matter opened here has no closing/],
    ['YAML syntax', '---\ndescription: x\ninputs: [a\n---\n1. a\n', /x\.md line \d: .*\(YAML\)/],
    ['missing description', '---\ninputs: {}\n---\n1. a\n', /x\.md line 2: description: /],
    [
      'unknown key, on its own line',
      '---\ndescription: x\nmodle: y\n---\n1. a\n',
      /x\.md line 3: unknown key "modle"/,
    ],
    [
      'unknown key in an input',
      '---\ndescription: x\ninputs:\n  a:\n    description: y\n    requird: true\n---\n1. {{a}}\n',
      /x\.md line 6: inputs\.a: unknown key "requird"/,
    ],
    ['attempts out of range', '---\ndescription: x\nattempts: 20\n---\n1. a\n', /x\.md line 3: attempts: /],
    ['an unknown check', '---\ndescription: x\nchecks: [tests]\n---\n1. a\n', /x\.md line 3: checks\.0: /],
    ['an empty body', '---\ndescription: x\n---\n\n', /x\.md line 4: the body is empty/],
    [
      'a placeholder naming no input',
      '---\ndescription: x\ninputs:\n  pkg:\n    description: y\n---\n1. a\n2. bump {{package}}\n',
      /x\.md line 8: \{\{package\}\} names no input \(inputs: pkg\)/,
    ],
  ];
  for (const [name, text, message] of cases) {
    it(`refuses ${name}, naming the file and the line`, () => {
      const error = errorOf(() => parsePlaybook('x', text, '.drydock/playbooks/x.md'));
      expect(error.code).toBe('invalid_playbook');
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/^\.drydock\/playbooks\/x\.md/);
    });
  }

  it('refuses a name that is not a playbook name', () => {
    expect(errorOf(() => parsePlaybook('../x', DEP_BUMP)).code).toBe('invalid_playbook');
  });
});

describe('resolveInputs', () => {
  const playbook = parsePlaybook('dep-bump', DEP_BUMP);

  it('takes the given inputs, then defaults; an optional one without a default is empty', () => {
    expect(resolveInputs(playbook, { package: 'lodash' })).toEqual({
      package: 'lodash',
      version: 'latest',
      note: '',
    });
    expect(resolveInputs(playbook, { package: 'lodash', version: '5' }).version).toBe('5');
  });

  it('refuses a missing required input, listing the inputs', () => {
    const error = errorOf(() => resolveInputs(playbook, { version: '5' }));
    expect(error.code).toBe('missing_playbook_input');
    expect(error.message).toContain('dep-bump needs "package"');
    expect(error.message).toContain('version (default "latest": the version to go to)');
    expect(error.details?.fields).toEqual({ inputs: expect.stringContaining('needs "package"') });
    expect(errorOf(() => resolveInputs(playbook, { package: '  ' })).code).toBe('missing_playbook_input');
  });

  it('refuses an input the playbook does not declare', () => {
    const error = errorOf(() => resolveInputs(playbook, { package: 'a', pkg: 'b' }));
    expect(error.code).toBe('unknown_playbook_input');
    expect(error.message).toContain('has no input "pkg"');
    expect(error.message).toContain('package (required: the npm package)');
  });

  it('does not take inherited names as inputs', () => {
    expect(errorOf(() => resolveInputs(playbook, { package: 'a', toString: 'x' })).code).toBe(
      'unknown_playbook_input',
    );
  });
});

describe('renderPlaybook', () => {
  const playbook = parsePlaybook('dep-bump', DEP_BUMP);

  it('fills every placeholder, and the steps become the plan', () => {
    const rendered = renderPlaybook(playbook, resolveInputs(playbook, { package: 'lodash' }));
    expect(rendered.task).toContain('Playbook dep-bump: Bump a dependency to a new version');
    expect(rendered.task).toContain('Inputs: package=lodash, version=latest');
    expect(rendered.task).toContain('1. Bump lodash to latest in package.json.');
    expect(rendered.task).toContain('2. Fix what breaks in code that uses lodash.');
    expect(rendered.task).toContain('run these checks with run_checks and make them pass: test, typecheck');
    expect(rendered.task).not.toContain('{{');
    expect(rendered.steps).toEqual([
      'Bump lodash to latest in package.json.',
      'Fix what breaks in code that uses lodash.',
      'Run the tests.',
    ]);
  });

  it('takes steps from top-level list items only, not from code blocks or nested lists', () => {
    expect(stepsOf('Intro.\n\n- one\n  - nested\n* two\n```\n- not a step\n```\n10) three\n')).toEqual([
      'one',
      'two',
      'three',
    ]);
    expect(stepsOf('Just prose, no list.')).toEqual([]);
  });
});

describe('parsePlaybookCall', () => {
  it('reads a name and key=value words, quoted values included', () => {
    expect(parsePlaybookCall('dep-bump package=lodash version="4.17 lts"')).toEqual({
      name: 'dep-bump',
      inputs: { package: 'lodash', version: '4.17 lts' },
    });
    expect(parsePlaybookCall('  weekly-cleanup ')).toEqual({ name: 'weekly-cleanup', inputs: {} });
    expect(parsePlaybookCall('dep-bump title=“smart quotes”')?.inputs).toEqual({ title: 'smart quotes' });
  });

  it('is null for an ordinary task', () => {
    expect(parsePlaybookCall('fix the failing test')).toBeNull();
    expect(parsePlaybookCall('Fix it')).toBeNull();
    expect(parsePlaybookCall('dep-bump package=lodash please')).toBeNull();
    expect(parsePlaybookCall('')).toBeNull();
  });
});

describe('inputsFromPairs', () => {
  it('splits at the first =', () => {
    expect(inputsFromPairs(['package=lodash', 'range=>=4 <5'])).toEqual({
      package: 'lodash',
      range: '>=4 <5',
    });
  });
  it('refuses a pair without a name', () => {
    expect(errorOf(() => inputsFromPairs(['lodash'])).message).toContain('expected name=value');
  });
});
