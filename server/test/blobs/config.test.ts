// The attachment variables of config.ts (the core ones are in server/test/config.test.ts).
import { describe, expect, it } from 'vitest';
import { defaultConfig, lifetimes, loadConfig } from '../../src/config.ts';

describe('attachment config', () => {
  it('has the documented defaults', () => {
    expect(defaultConfig()).toMatchObject({
      attachmentMaxBytes: 25 * 1024 * 1024,
      blobQuotaBytes: 256 * 1024 * 1024,
      blobTtlMs: undefined,
      blobDir: 'data/blobs',
      blobSecret: undefined,
      blobS3Bucket: undefined,
      blobS3Endpoint: undefined,
      blobS3Region: 'us-east-1',
      blobS3Prefix: 'blobs/',
    });
  });

  it('reads every variable, and refuses bad values naming the variable (never echoing a secret)', () => {
    expect(
      loadConfig({
        ATTACHMENT_MAX_BYTES: '1048576',
        BLOB_QUOTA_BYTES: '2097152',
        BLOB_TTL: '2d',
        BLOB_DIR: '/var/lib/sm/blobs',
        BLOB_SECRET: 'AB'.repeat(32),
        BLOB_S3_BUCKET: 'attachments',
        BLOB_S3_ENDPOINT: 'http://minio:9000',
        BLOB_S3_REGION: 'eu-west-1',
        BLOB_S3_PREFIX: 'sm/',
      }),
    ).toMatchObject({
      attachmentMaxBytes: 1_048_576,
      blobQuotaBytes: 2_097_152,
      blobTtlMs: 2 * 86_400_000,
      blobDir: '/var/lib/sm/blobs',
      blobSecret: 'ab'.repeat(32),
      blobS3Bucket: 'attachments',
      blobS3Endpoint: 'http://minio:9000',
      blobS3Region: 'eu-west-1',
      blobS3Prefix: 'sm/',
    });
    expect(() => loadConfig({ BLOB_SECRET: 'not-a-secret-value' })).toThrow(/^BLOB_SECRET is invalid: expected 64 hex characters/);
    try {
      loadConfig({ BLOB_SECRET: 'zz'.repeat(32) });
    } catch (e) {
      expect((e as Error).message).not.toContain('zz');
    }
    expect(() => loadConfig({ ATTACHMENT_MAX_BYTES: '10' })).toThrow(/ATTACHMENT_MAX_BYTES/);
    expect(() => loadConfig({ BLOB_S3_PREFIX: 'a b' })).toThrow(/BLOB_S3_PREFIX/);
  });

  it('derives every MAILBOX_TTL lifetime in one place: a blob lives BLOB_TTL, else as long as a mailbox entry', () => {
    expect(lifetimes(loadConfig({ MAILBOX_TTL: '3d' }))).toEqual({
      mailboxTtlMs: 3 * 86_400_000,
      blobTtlMs: 3 * 86_400_000,
      pushSubscriptionTtlMs: 3 * 86_400_000,
      livenessTtlMs: 3 * 86_400_000,
    });
    expect(lifetimes(loadConfig({ MAILBOX_TTL: '3d', BLOB_TTL: '1h' })).blobTtlMs).toBe(3_600_000);
  });
});
