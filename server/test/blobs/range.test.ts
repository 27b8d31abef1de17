import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../protocol/index.ts';
import { parseRange } from '../../src/blobs/http.ts';

describe('parseRange (RFC 9110 §14.1.2 byte ranges, one range)', () => {
  it.each([
    ['', 100, undefined],
    ['bytes=0-', 100, [0, 100]],
    ['bytes=0-0', 100, [0, 1]],
    ['bytes=10-19', 100, [10, 20]],
    ['bytes=90-500', 100, [90, 100]],
    ['bytes=-10', 100, [90, 100]],
    ['bytes=-500', 100, [0, 100]],
  ] as const)('%s of %i → %j', (h, size, want) => {
    expect(parseRange(h, size)).toEqual(want);
  });

  it.each(['bytes=100-', 'bytes=150-200', 'bytes=20-10', 'bytes=-0', 'bytes=-', 'bytes=a-b', 'items=0-1', 'bytes=0-1,5-6'])(
    'refuses %s with BLOB_RANGE',
    (h) => {
      try {
        parseRange(h, 100);
        expect.unreachable();
      } catch (e) {
        expect(e).toBeInstanceOf(ProtocolError);
        expect((e as ProtocolError).code).toBe('BLOB_RANGE');
      }
    },
  );
});
