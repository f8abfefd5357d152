import { describe, expect, it } from 'vitest';
import { maxChildrenFrom } from './max-children.ts';

describe('maxChildrenFrom', () => {
  it.each([
    [undefined, {}, undefined],
    [undefined, { DRYDOCK_MAX_CHILDREN: '' }, undefined],
    [undefined, { DRYDOCK_MAX_CHILDREN: '3' }, 3],
    ['2', { DRYDOCK_MAX_CHILDREN: '3' }, 2],
  ])('flag %s with %o is %s', (flag, env, expected) => {
    expect(maxChildrenFrom(flag, env)).toBe(expected);
  });

  it.each([
    ['0', {}],
    ['1.5', {}],
    ['', {}],
    [undefined, { DRYDOCK_MAX_CHILDREN: 'many' }],
  ])('refuses flag %s with %o', (flag, env) => {
    expect(() => maxChildrenFrom(flag, env)).toThrow(/must be a positive whole number/);
  });
});
