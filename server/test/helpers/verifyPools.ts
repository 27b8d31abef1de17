// Verification pools a test file makes, all closed after its tests: a worker thread left open
// would keep the test process alive.
import { afterAll } from 'vitest';
import { VerifyPool, type Fallback } from '../../src/auth/verifyPool.ts';

export function poolMaker(fallback: Fallback): (size: number) => VerifyPool {
  const pools: VerifyPool[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });
  return (size) => {
    const p = new VerifyPool(size, fallback);
    pools.push(p);
    return p;
  };
}
