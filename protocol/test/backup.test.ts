// The backup file format: a round trip, and every class of damage rejected with its own code.
import { describe, expect, it } from 'vitest';
import { BACKUP_HEADER_BYTES, BackupError, openBackup, sealBackup, type BackupErrorCode } from '../backup.ts';
import { randomBytes } from '../random.ts';

const entropy = Uint8Array.from({ length: 16 }, (_, i) => i);
const plain = randomBytes(10_000);
// Small parts so a file has several: moving, dropping and cutting them is then possible.
const file = sealBackup(entropy, plain, { chunkBytes: 1000 });
const PART = 4 + 1000 + 16;

function code(f: Uint8Array, e = entropy): BackupErrorCode | 'opened' {
  try {
    openBackup(e, f);
    return 'opened';
  } catch (err) {
    if (err instanceof BackupError) return err.code;
    throw err;
  }
}

describe('backup file', () => {
  it('opens to what was sealed, in parts, and an empty history too', () => {
    expect(file.length).toBe(BACKUP_HEADER_BYTES + 10 * PART);
    expect(openBackup(entropy, file)).toEqual(plain);
    expect(openBackup(entropy, sealBackup(entropy, new Uint8Array(0)))).toEqual(new Uint8Array(0));
  });

  it('is refused for another identity, before any part is tried', () => {
    const other = Uint8Array.from({ length: 16 }, (_, i) => i + 1);
    expect(code(file, other)).toBe('BACKUP_WRONG_IDENTITY');
  });

  it('names each kind of header damage', () => {
    const at = (i: number) => {
      const f = file.slice();
      f[i]! ^= 0x01;
      return code(f);
    };
    expect(at(0)).toBe('BACKUP_NOT_A_BACKUP'); // magic
    expect(at(4)).toBe('BACKUP_VERSION');
    for (const i of [5, 36, 37, 52]) expect(at(i)).toMatch(/^BACKUP_(WRONG_IDENTITY|CORRUPT)$/); // salt, nonce prefix
    expect(at(37)).toBe('BACKUP_CORRUPT'); // the prefix is not in the check: the parts do not open
    expect(at(53)).toBe('BACKUP_WRONG_IDENTITY'); // the check itself
    expect(code(new TextEncoder().encode('hello'))).toBe('BACKUP_NOT_A_BACKUP');
  });

  it('rejects a flipped bit anywhere in the body', () => {
    for (let i = BACKUP_HEADER_BYTES; i < file.length; i += 97) {
      const f = file.slice();
      f[i]! ^= 0x80;
      expect(code(f), `byte ${i}`).toMatch(/^BACKUP_(CORRUPT|TRUNCATED)$/);
    }
  });

  it('rejects a file cut anywhere, including exactly between parts', () => {
    for (let n = 0; n < file.length; n += 251) expect(code(file.subarray(0, n)), `${n} bytes`).not.toBe('opened');
    for (let k = 1; k < 10; k++) expect(code(file.subarray(0, BACKUP_HEADER_BYTES + k * PART))).toBe('BACKUP_TRUNCATED');
  });

  it('rejects parts swapped, repeated, or anything after the final part', () => {
    const part = (k: number) => file.subarray(BACKUP_HEADER_BYTES + k * PART, BACKUP_HEADER_BYTES + (k + 1) * PART);
    const build = (order: number[]) => new Uint8Array([...file.subarray(0, BACKUP_HEADER_BYTES), ...order.flatMap((k) => [...part(k)])]);
    expect(code(build([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe('opened');
    expect(code(build([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe('BACKUP_CORRUPT');
    expect(code(build([0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]))).toBe('BACKUP_CORRUPT');
    expect(code(new Uint8Array([...file, 0, 0, 0, 0]))).toBe('BACKUP_CORRUPT');
  });
});
