// The server router and the client dispatcher are tables keyed by frame type. These checks run in
// `tsc` (npm test type-checks every test file): if either table type stopped requiring an entry for
// every frame type, the @ts-expect-error lines below would be unused and tsc would fail.
import { describe, expect, it } from 'vitest';
import type { FrameHandlers } from '../dispatch.ts';
import type { Handlers } from '../../server/src/transport/router.ts';

describe('frame handler tables', () => {
  it('require a handler for every frame type', () => {
    // @ts-expect-error: no handler for `ping` (and the rest)
    const server: Handlers = { send: () => {} };
    // @ts-expect-error: no handler for `envelope` (and the rest)
    const client: FrameHandlers = { hello: () => {} };
    expect(Object.keys(server)).toEqual(['send']);
    expect(Object.keys(client)).toEqual(['hello']);
  });
});
