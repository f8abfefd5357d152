import { describe, expect, it } from 'vitest';
import { formField, ONE_RUN, runsRequest } from './runs.ts';

describe('runsRequest', () => {
  it('sends nothing for one run, attempts from 2, models from 2, and manager mode', () => {
    expect(runsRequest(ONE_RUN)).toEqual({ input: {}, errors: {} });
    expect(runsRequest({ ...ONE_RUN, attempts: '' })).toEqual({ input: {}, errors: {} });
    expect(runsRequest({ ...ONE_RUN, attempts: ' 3 ' })).toEqual({ input: { attempts: 3 }, errors: {} });
    expect(runsRequest({ ...ONE_RUN, models: ['a:x', 'b:y'] })).toEqual({
      input: { models: ['a:x', 'b:y'] },
      errors: {},
    });
    expect(runsRequest({ ...ONE_RUN, manager: true })).toEqual({ input: { mode: 'manager' }, errors: {} });
  });

  it('refuses what the API would, under the field it concerns', () => {
    for (const attempts of ['0', '9', '2.5', 'two']) {
      expect(runsRequest({ ...ONE_RUN, attempts }).errors).toEqual({
        attempts: expect.stringMatching(/1 to 8/),
      });
    }
    expect(runsRequest({ ...ONE_RUN, attempts: '2', models: ['a:x', 'b:y'] }).errors).toEqual({
      models: expect.stringMatching(/not both/),
    });
    expect(runsRequest({ ...ONE_RUN, models: ['a:x'] }).errors).toEqual({
      models: expect.stringMatching(/two/),
    });
    const nine = Array.from({ length: 9 }, (_, i) => `m:${i}`);
    expect(runsRequest({ ...ONE_RUN, models: nine }).errors).toEqual({
      models: expect.stringMatching(/at most 8/),
    });
  });

  it('puts an error about one model of the list under Models', () => {
    expect(formField('models.1')).toBe('models');
    expect(formField('attempts')).toBe('attempts');
  });
});
