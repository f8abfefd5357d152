import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isBadInput } from '../core/errors.ts';
import { loadPriceOverrides, parsePriceOverrides } from './price-overrides.ts';
import { createModelRouter } from './router.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function pricesFile(content: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'drydock-prices-'));
  dirs.push(dir);
  const path = join(dir, 'prices.json');
  writeFileSync(path, content);
  return path;
}

function failure(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (isBadInput(error, 'invalid_model_prices')) return error;
    throw error;
  }
  throw new Error('expected invalid_model_prices');
}

describe('price overrides', () => {
  it('is nothing when DRYDOCK_MODEL_PRICES is unset or blank', () => {
    expect(loadPriceOverrides({})).toBeUndefined();
    expect(loadPriceOverrides({ DRYDOCK_MODEL_PRICES: ' ' })).toBeUndefined();
  });

  it('names the file and the path of a problem', () => {
    expect(failure(() => parsePriceOverrides('{"m": {"inputPerMTok": -1}}', 'p.json')).message).toMatch(
      /^p\.json: .*\n.*at m\.inputPerMTok/s,
    );
    expect(failure(() => parsePriceOverrides('{"m": {"inputPrice": 1}}', 'p.json')).message).toContain(
      'inputPrice',
    );
    expect(failure(() => parsePriceOverrides('{not json', 'p.json')).message).toMatch(/^p\.json is not JSON/);
    expect(
      failure(() => loadPriceOverrides({ DRYDOCK_MODEL_PRICES: '/nonexistent/prices.json' })).message,
    ).toContain('DRYDOCK_MODEL_PRICES names /nonexistent/prices.json, which cannot be read');
  });

  it('prices the router’s models from the file, before any session starts', () => {
    const path = pricesFile(
      JSON.stringify({
        'openai-compatible:local-coder': { inputPerMTok: 0.2, outputPerMTok: 0.6, contextWindow: 32_000 },
      }),
    );
    const router = createModelRouter({
      default: 'openai-compatible:local-coder',
      env: { DRYDOCK_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', DRYDOCK_MODEL_PRICES: path },
      cwd: process.cwd(),
    });
    expect(router.resolve('coder')).toMatchObject({
      contextWindow: 32_000,
      pricing: { inputPerMTok: 0.2, outputPerMTok: 0.6 },
    });
    const broken = pricesFile('[]');
    expect(() =>
      createModelRouter({
        default: 'openai-compatible:local-coder',
        env: { DRYDOCK_OPENAI_BASE_URL: 'http://127.0.0.1:1/v1', DRYDOCK_MODEL_PRICES: broken },
        cwd: process.cwd(),
      }),
    ).toThrow(/prices\.json/);
  });
});
