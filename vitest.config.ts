import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  // The SPA's component tests import .vue files.
  plugins: [vue()],
  test: {
    include: ['{shared-kernel,command,projections,read-api,ops,ui}/test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
