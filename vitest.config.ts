import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{shared-kernel,command,projections,read-api,ops,ui}/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
