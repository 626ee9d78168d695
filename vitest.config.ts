import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'dist/**', '.sandbox/**'],
    // Integration tests start real etcd and API servers; they are slow but independent.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores here: more workers only fight over them and make timing-sensitive tests flaky.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
