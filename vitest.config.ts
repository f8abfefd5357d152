import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Sandboxes and git are real processes; two cores are shared, so keep parallelism modest.
    maxWorkers: 2,
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Servers and workers that tests start log each session run at info: keep the output to failures.
    env: { DRYDOCK_LOG_LEVEL: 'warn' },
  },
});
