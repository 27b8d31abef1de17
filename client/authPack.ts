// Fitting what I hold into the server's frame limit at connect (docs/client.md "Grants"). A grant is
// ~340 bytes of JSON, so an auth frame carries about 180 of them within 64 KiB; whatever does not
// fit goes in `revoke` and `grants` frames right after ready, which the server handles before any
// later frame of the socket (its inbox is serial). Blocks go first everywhere: a block left out
// would let the blocked person through after a server restart, a grant left out only delays a send.
import { encodeFrame, type ClientFrame, type ClientFrames, type Grant, type Revocation } from '../protocol/index.ts';

/** Headroom under maxFrameBytes, so a frame never lands exactly on the limit. */
export const FRAME_MARGIN_BYTES = 512;

export interface PackedAuth {
  readonly auth: ClientFrames['auth'];
  /** To send right after ready, in order: revocations that did not fit, then grants frames. */
  readonly after: ClientFrame[];
}

export interface PackLimits {
  readonly maxFrameBytes: number;
  readonly maxGrants: number;
}

/** JSON bytes an array element adds: itself and a comma. Everything here is ASCII. */
function cost(item: Grant | Revocation): number {
  return JSON.stringify(item).length + 1;
}

/**
 * Splits `auth` (carrying every grant and revocation I hold, in priority order) into an auth frame
 * within the limits and the frames to follow it. At most maxGrants grants travel in all (the server
 * holds no more per socket), and no more than maxGrants revocations ride in auth.
 */
export function packAuth(full: ClientFrames['auth'], limits: PackLimits): PackedAuth {
  const budget = Math.max(1024, limits.maxFrameBytes - FRAME_MARGIN_BYTES);
  const auth: ClientFrames['auth'] = { ...full, grants: [], revocations: [] };
  let size = encodeFrame(auth).length;
  const lateRevocations: Revocation[] = [];
  for (const r of full.revocations) {
    const c = cost(r);
    if (lateRevocations.length === 0 && auth.revocations.length < limits.maxGrants && size + c <= budget) {
      auth.revocations.push(r);
      size += c;
    } else {
      lateRevocations.push(r);
    }
  }
  const grants = full.grants.slice(0, limits.maxGrants);
  let i = 0;
  for (; i < grants.length; i++) {
    const c = cost(grants[i]!);
    if (size + c > budget) break;
    auth.grants.push(grants[i]!);
    size += c;
  }
  const after: ClientFrame[] = lateRevocations.map((revocation) => ({ type: 'revoke', revocation }));
  const empty = encodeFrame({ type: 'grants', grants: [] }).length;
  let chunk: Grant[] = [];
  let chunkSize = empty;
  for (; i < grants.length; i++) {
    const g = grants[i]!;
    const c = cost(g);
    if (chunk.length > 0 && (chunkSize + c > budget || chunk.length >= limits.maxGrants)) {
      after.push({ type: 'grants', grants: chunk });
      chunk = [];
      chunkSize = empty;
    }
    chunk.push(g);
    chunkSize += c;
  }
  if (chunk.length > 0) after.push({ type: 'grants', grants: chunk });
  return { auth, after };
}
