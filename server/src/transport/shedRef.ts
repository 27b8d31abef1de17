// A frame shed unparsed (the socket's inbox is full) is still answered with a ref, so the client's
// outbox knows which send to retry: read from the frame's first bytes, never by parsing it.

const LEADING_ID = /"id"\s*:\s*"([0-9a-f]{32})"/;

/** The id of a frame that is not going to be parsed, if it has one near its start. */
export function shedRef(data: ArrayBuffer, isBinary: boolean): string | undefined {
  if (isBinary) return undefined;
  const head = Buffer.from(data, 0, Math.min(data.byteLength, 160)).toString('latin1');
  return LEADING_ID.exec(head)?.[1];
}
