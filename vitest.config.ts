import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'protocol/test/**/*.test.ts',
      'client/test/**/*.test.ts',
      'server/test/**/*.test.ts',
      'bench/test/**/*.test.ts',
      'testkit/test/**/*.test.ts',
      'scripts/test/**/*.test.ts',
      'web/test/**/*.test.{ts,tsx}',
    ],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Server tests spawn real servers and sockets; two cores are shared with the clients.
    pool: 'forks',
    fileParallelism: true,
  },
});
