// The Store contract, written once and run against every implementation (memory, Redis); its
// parts, one per concern, are in storeSuite/. It never assumes an empty store: every test uses
// fresh Session IDs, device ids, invitation ids and keys, and compares counts as differences, so
// it can run against a shared Redis.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from '../src/store/types.ts';
import { accountTests } from './storeSuite/account.ts';
import { countTests } from './storeSuite/counts.ts';
import type { StoreUnderTest } from './storeSuite/fixtures.ts';
import { invitationTests } from './storeSuite/invitations.ts';
import { nonceTests } from './storeSuite/nonces.ts';
import { pushTests } from './storeSuite/push.ts';
import { streamTests } from './storeSuite/streams.ts';
import { tokenBucketTests } from './storeSuite/tokenBucket.ts';

export interface StoreSuiteOptions {
  /**
   * Moves the clock the store uses for the methods that take no `now` (nonce and revocation TTLs).
   * A Redis run may sleep for ms; without it the expiry tests of those two are skipped.
   */
  readonly advanceClock?: (ms: number) => void | Promise<void>;
}

export function storeSuite(name: string, makeStore: () => Promise<Store>, opts: StoreSuiteOptions = {}): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let t: number;
    const ctx: StoreUnderTest = {
      get store() {
        return store;
      },
      get t() {
        return t;
      },
    };

    beforeEach(async () => {
      store = await makeStore();
      t = Date.now();
    });

    afterEach(async () => {
      await store.close();
    });

    it('names its kind and carries an epoch token', () => {
      expect(['memory', 'redis']).toContain(store.kind);
      expect(store.epoch).toMatch(/^[0-9a-zA-Z_-]{1,64}$/);
    });

    streamTests(ctx);
    invitationTests(ctx);
    nonceTests(ctx, opts.advanceClock);
    tokenBucketTests(ctx);
    countTests(ctx);
    pushTests(ctx);
    accountTests(ctx, opts.advanceClock);
  });
}
