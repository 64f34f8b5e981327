import { closeSync, openSync, readSync, statSync } from 'node:fs';

export type WalState = 'missing' | 'empty' | 'sound' | 'damaged';

const HEADER_BYTES = 32;
/** The WAL magic numbers: the low bit says whether checksums are computed on big-endian words. */
const MAGIC_LITTLE = 0x377f0682;
const MAGIC_BIG = 0x377f0683;
const FORMAT_VERSION = 3007000;

/**
 * What state the `-wal` file beside a database is in, judged by its 32-byte header only
 * (magic, format version, page size, header checksum), the way SQLite decides whether
 * to use a WAL at all. SQLite silently ignores a WAL whose header is wrong, losing
 * every commit in it; we want to refuse to start instead. Frames past the header are
 * not judged: a WAL legitimately ends in stale frames of an earlier generation.
 */
export function inspectWal(path: string): WalState {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  if (size === 0) return 'empty';
  if (size < HEADER_BYTES) return 'damaged';
  const header = Buffer.alloc(HEADER_BYTES);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, header, 0, HEADER_BYTES, 0);
  } finally {
    closeSync(fd);
  }
  return walHeaderIsSound(header) ? 'sound' : 'damaged';
}

export function walHeaderIsSound(header: Buffer): boolean {
  const magic = header.readUInt32BE(0);
  if (magic !== MAGIC_LITTLE && magic !== MAGIC_BIG) return false;
  if (header.readUInt32BE(4) !== FORMAT_VERSION) return false;
  const pageSize = header.readUInt32BE(8);
  // 65536 is stored as 1.
  const validPageSize = pageSize === 1 || (pageSize >= 512 && pageSize <= 32_768 && (pageSize & (pageSize - 1)) === 0);
  if (!validPageSize) return false;
  const [s0, s1] = walChecksum(header.subarray(0, 24), magic === MAGIC_BIG);
  return header.readUInt32BE(24) === s0 && header.readUInt32BE(28) === s1;
}

/** SQLite's WAL checksum: a running pair of sums over 32-bit words, two words at a time. */
function walChecksum(bytes: Buffer, bigEndian: boolean): [number, number] {
  let s0 = 0;
  let s1 = 0;
  for (let offset = 0; offset + 8 <= bytes.length; offset += 8) {
    const x0 = bigEndian ? bytes.readUInt32BE(offset) : bytes.readUInt32LE(offset);
    const x1 = bigEndian ? bytes.readUInt32BE(offset + 4) : bytes.readUInt32LE(offset + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}
