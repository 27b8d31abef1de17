// Property tests of the codec, with generators derived from the frame schemas: every client and
// server frame survives encode → decode unchanged; the strict (server) parser refuses what the
// lenient (SDK) one ignores; no input makes either throw anything but a ProtocolError.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  clientFrames,
  encodeFrame,
  parseClientFrame,
  parseServerFrame,
  ProtocolError,
  serverFrames,
  type ClientFrame,
  type ServerFrame,
} from '../index.ts';
import { arbitraryOf, otherTypeThan } from './arbitraries.ts';

const RUNS = { numRuns: 300 };

/** Only ProtocolError may escape a parser, whatever it is fed. */
function parsesOrRefuses(parse: (t: string) => unknown, text: string): void {
  try {
    parse(text);
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
  }
}

describe('codec properties', () => {
  for (const [type, schema] of Object.entries(clientFrames)) {
    it(`client frame ${type}: decode(encode(x)) = x`, () => {
      fc.assert(
        fc.property(arbitraryOf(schema), (x) => {
          expect(parseClientFrame(encodeFrame(x as ClientFrame))).toEqual(x);
        }),
        RUNS,
      );
    });
  }

  for (const [type, schema] of Object.entries(serverFrames)) {
    it(`server frame ${type}: decode(encode(x)) = x, and fields added later are ignored`, () => {
      fc.assert(
        fc.property(arbitraryOf(schema), fc.string({ minLength: 1, maxLength: 8 }), (x, extra) => {
          const frame = x as ServerFrame;
          expect(parseServerFrame(encodeFrame(frame))).toEqual(frame);
          const key = `x_${extra}`;
          expect(parseServerFrame(JSON.stringify({ ...frame, [key]: 1 }))).toEqual(frame);
        }),
        RUNS,
      );
    });
  }

  it('the server refuses an unknown field in any client frame (BAD_FRAME)', () => {
    const anyClientFrame = fc.oneof(...Object.values(clientFrames).map((s) => arbitraryOf(s)));
    fc.assert(
      fc.property(anyClientFrame, fc.string({ minLength: 1, maxLength: 8 }), (x, extra) => {
        const key = `x_${extra}`;
        expect(() => parseClientFrame(JSON.stringify({ ...(x as object), [key]: 0 }))).toThrow(
          expect.objectContaining({ code: 'BAD_FRAME' }),
        );
      }),
      RUNS,
    );
  });

  it('a value of the wrong JSON type in any field of any client frame is refused with a ProtocolError', () => {
    const anyClientFrame = fc.oneof(...Object.values(clientFrames).map((s) => arbitraryOf(s)));
    fc.assert(
      fc.property(
        anyClientFrame.chain((x) => {
          const frame = x as Record<string, unknown>;
          const keys = Object.keys(frame);
          return fc.constantFrom(...keys).chain((k) => otherTypeThan(frame[k]).map((v) => ({ frame, k, v })));
        }),
        ({ frame, k, v }) => {
          const bad = { ...frame, [k]: v };
          let err: unknown;
          try {
            parseClientFrame(JSON.stringify(bad));
          } catch (e) {
            err = e;
          }
          expect(err, `${String(frame.type)}.${k} = ${JSON.stringify(v)}`).toBeInstanceOf(ProtocolError);
        },
      ),
      RUNS,
    );
  });

  it('no text, JSON or not, makes either parser throw anything but a ProtocolError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.json(),
          fc.jsonValue().map((v) => JSON.stringify({ type: 'send', ...(typeof v === 'object' && v !== null ? v : { v }) })),
        ),
        (text) => {
          parsesOrRefuses(parseClientFrame, text);
          parsesOrRefuses(parseServerFrame, text);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
