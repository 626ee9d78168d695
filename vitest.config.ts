import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.sandbox/**'],
    // Integration tests start real etcd, API servers and meshlb processes; on a loaded two-core
    // machine start-up alone can take a minute. Behaviour timings are asserted inside tests.
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // Two cores here: more workers only fight over them and make timing-sensitive tests flaky.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
