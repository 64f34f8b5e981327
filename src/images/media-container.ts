/**
 * Cheap whole-file checks of video and sound containers, from their structure alone
 * (no decoder): the bytes must be the container the file claims, and a container that
 * declares its length must not end before it. A body cut short on the way, or an HTML
 * error page named `.mp4`, is caught here; damage inside a stream is not (that would
 * need a decoder).
 */

export type ContainerCheck = { ok: true; container: string } | { ok: false; problem: 'not-media' | 'incomplete'; detail: string };

const EBML_MAGIC = 0x1a45dfa3;
const SEGMENT_ID = 0x18538067;

function ascii(data: Buffer, start: number, end: number): string {
  return data.subarray(start, end).toString('latin1');
}

/** ISO BMFF (mp4, mov, m4a): top-level boxes must tile the file exactly and include `moov`. */
function checkIsoBmff(data: Buffer): ContainerCheck {
  if (data.length < 12 || ascii(data, 4, 8) !== 'ftyp') return { ok: false, problem: 'not-media', detail: 'no ftyp box' };
  let offset = 0;
  let hasMovie = false;
  while (offset < data.length) {
    if (offset + 8 > data.length) return { ok: false, problem: 'incomplete', detail: `box header cut at byte ${offset}` };
    let size = data.readUInt32BE(offset);
    const type = ascii(data, offset + 4, offset + 8);
    if (size === 1) {
      if (offset + 16 > data.length) return { ok: false, problem: 'incomplete', detail: `large box header cut at byte ${offset}` };
      size = Number(data.readBigUInt64BE(offset + 8));
    } else if (size === 0) {
      size = data.length - offset;
    }
    if (size < 8) return { ok: false, problem: 'not-media', detail: `box '${type}' of ${size} bytes` };
    if (offset + size > data.length) return { ok: false, problem: 'incomplete', detail: `box '${type}' needs ${offset + size} bytes, file has ${data.length}` };
    if (type === 'moov') hasMovie = true;
    offset += size;
  }
  return hasMovie ? { ok: true, container: 'mp4' } : { ok: false, problem: 'incomplete', detail: 'no moov box' };
}

/** An EBML variable-length integer at `offset`: its value and length; null when malformed. */
function readVint(data: Buffer, offset: number, keepMarker: boolean): { value: number; length: number; unknown: boolean } | null {
  const first = data[offset];
  if (first === undefined || first === 0) return null;
  const length = Math.clz32(first) - 23;
  if (length > 8 || offset + length > data.length) return null;
  let value = keepMarker ? first : first & (0xff >> length);
  let allOnes = value === (0xff >> length);
  for (let index = 1; index < length; index += 1) {
    const byte = data[offset + index] ?? 0;
    value = value * 256 + byte;
    if (byte !== 0xff) allOnes = false;
  }
  return { value, length, unknown: !keepMarker && allOnes };
}

/** Matroska / WebM: the EBML header, then a Segment whose declared size (unless "unknown") the file must hold. */
function checkMatroska(data: Buffer): ContainerCheck {
  if (data.length < 4 || data.readUInt32BE(0) !== EBML_MAGIC) return { ok: false, problem: 'not-media', detail: 'no EBML header' };
  const headerSize = readVint(data, 4, false);
  if (headerSize === null) return { ok: false, problem: 'incomplete', detail: 'EBML header size unreadable' };
  const segmentAt = 4 + headerSize.length + headerSize.value;
  const id = readVint(data, segmentAt, true);
  if (id === null || id.value !== SEGMENT_ID) return { ok: false, problem: 'incomplete', detail: 'no Segment after the EBML header' };
  const size = readVint(data, segmentAt + id.length, false);
  if (size === null) return { ok: false, problem: 'incomplete', detail: 'Segment size unreadable' };
  const end = segmentAt + id.length + size.length + size.value;
  if (!size.unknown && end > data.length) return { ok: false, problem: 'incomplete', detail: `Segment needs ${end} bytes, file has ${data.length}` };
  return { ok: true, container: 'webm' };
}

/** RIFF/WAVE: the RIFF size must fit the file. */
function checkWave(data: Buffer): ContainerCheck {
  if (data.length < 12 || ascii(data, 0, 4) !== 'RIFF' || ascii(data, 8, 12) !== 'WAVE') return { ok: false, problem: 'not-media', detail: 'no RIFF/WAVE header' };
  const declared = data.readUInt32LE(4) + 8;
  return declared > data.length ? { ok: false, problem: 'incomplete', detail: `RIFF needs ${declared} bytes, file has ${data.length}` } : { ok: true, container: 'wav' };
}

/** Ogg (Opus, Vorbis): pages must tile the file and the last one must end the stream. */
function checkOgg(data: Buffer): ContainerCheck {
  if (ascii(data, 0, 4) !== 'OggS') return { ok: false, problem: 'not-media', detail: 'no Ogg page' };
  let offset = 0;
  let last = 0;
  while (offset < data.length) {
    if (offset + 27 > data.length || ascii(data, offset, offset + 4) !== 'OggS') return { ok: false, problem: 'incomplete', detail: `page cut at byte ${offset}` };
    const segments = data[offset + 26] ?? 0;
    if (offset + 27 + segments > data.length) return { ok: false, problem: 'incomplete', detail: `segment table cut at byte ${offset}` };
    let size = 27 + segments;
    for (let index = 0; index < segments; index += 1) size += data[offset + 27 + index] ?? 0;
    if (offset + size > data.length) return { ok: false, problem: 'incomplete', detail: `page needs ${offset + size} bytes, file has ${data.length}` };
    last = offset;
    offset += size;
  }
  const endOfStream = ((data[last + 5] ?? 0) & 0x04) !== 0;
  return endOfStream ? { ok: true, container: 'ogg' } : { ok: false, problem: 'incomplete', detail: 'the last page does not end the stream' };
}

function checkSignature(data: Buffer, container: string, matches: boolean): ContainerCheck {
  return matches ? { ok: true, container } : { ok: false, problem: 'not-media', detail: `not ${container}` };
}

/** Checks `data` against the container its MIME type names. */
export function checkContainer(data: Buffer, mime: string): ContainerCheck {
  if (data.length === 0) return { ok: false, problem: 'incomplete', detail: 'empty file' };
  switch (mime) {
    case 'video/mp4':
    case 'video/quicktime':
    case 'audio/mp4':
      return checkIsoBmff(data);
    case 'video/webm':
    case 'video/x-matroska':
      return checkMatroska(data);
    case 'audio/wav':
      return checkWave(data);
    case 'audio/flac':
      return checkSignature(data, 'flac', ascii(data, 0, 4) === 'fLaC' && data.length > 42);
    case 'audio/ogg':
      return checkOgg(data);
    case 'audio/mpeg':
      // An ID3 tag, or straight into an MPEG audio frame (11 set sync bits).
      return checkSignature(data, 'mp3', ascii(data, 0, 3) === 'ID3' || (data.length > 1 && data[0] === 0xff && ((data[1] ?? 0) & 0xe0) === 0xe0));
    default:
      return { ok: false, problem: 'not-media', detail: `no check for ${mime}` };
  }
}
