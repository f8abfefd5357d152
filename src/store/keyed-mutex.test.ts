import { describe, expect, it } from 'vitest';
import { createKeyedMutex } from './keyed-mutex.ts';

describe('createKeyedMutex', () => {
  it('serves holders of one key in order and lets other keys through', async () => {
    const mutex = createKeyedMutex();
    const order: string[] = [];
    const first = await mutex.acquire('a');
    const second = mutex.acquire('a').then((release) => {
      order.push('second');
      release();
    });
    const third = mutex.acquire('a').then((release) => {
      order.push('third');
      release();
    });
    const other = await mutex.acquire('b');
    order.push('other key');
    other();
    await Promise.resolve();
    expect(order).toEqual(['other key']);

    first();
    first();
    await Promise.all([second, third]);
    expect(order).toEqual(['other key', 'second', 'third']);
    const again = await mutex.acquire('a');
    again();
  });
});
