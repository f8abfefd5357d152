import { describe, expect, it } from 'vitest';
import { screenshotsSection } from './screenshots-section.ts';

describe('screenshotsSection', () => {
  it('is empty without screenshots', () => {
    expect(screenshotsSection('s1', [])).toBe('');
  });

  it('pairs before- and after- shots in a table and lists the rest after it', () => {
    const text = screenshotsSection('s1', [
      { name: 'before-home', artifactId: 'a1' },
      { name: 'form', artifactId: 'a2' },
      { name: 'after-home', artifactId: 'a3' },
      { name: 'after-cart', artifactId: 'a4' },
    ]);
    expect(text).toBe(
      [
        '## Screenshots',
        '',
        '| | Before | After |',
        '| --- | --- | --- |',
        '| home | ![before-home](/api/sessions/s1/artifacts/a1) | ![after-home](/api/sessions/s1/artifacts/a3) |',
        '| cart | (none) | ![after-cart](/api/sessions/s1/artifacts/a4) |',
        '',
        '![form](/api/sessions/s1/artifacts/a2)',
      ].join('\n'),
    );
  });
});
