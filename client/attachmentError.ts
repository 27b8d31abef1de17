// The error every attachment operation throws, with a stable code: a wire error's code (BLOB_…)
// when the server refused, or one of the SDK's own (DIGEST_MISMATCH, UPLOAD_CANCELLED, NETWORK, …).
export class AttachmentError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AttachmentError';
  }
}
