/**
 * Runs the UI's component and unit tests on their own: `npx vitest run --root ui`.
 * The repository's root vitest config picks the same files up too (see test/README in
 * the UI report: SFC-mounting tests skip there until the root config has the Vue plugin).
 */
import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    env: { UI_SFC_TESTS: 'required' },
  },
});
