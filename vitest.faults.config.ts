// `npm run test:faults`: network partitions, stalled and slow links, Redis restarts under steady SDK
// traffic (client/test/faults/). Separate from `npm test` because they run for minutes and some
// create network namespaces (root); .ci/run runs both.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['client/test/faults/**/*.faults.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One at a time: each test measures its own recovery, and they share two cores.
    fileParallelism: false,
  },
});
