/**
 * A `multipart/form-data` reader for upload requests: enough of RFC 7578 to read
 * what browsers, undici's FormData and aiohttp send (quoted parameters, CRLF).
 */

export interface MultipartFile {
  field: string;
  filename: string;
  contentType: string;
  data: Buffer;
}

export interface MultipartBody {
  fields: Record<string, string>;
  files: MultipartFile[];
}

export function boundaryOf(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^multipart\/form-data\b/i.test(contentType)) return null;
  const match = /;\s*boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

function headerParams(value: string): Record<string, string> {
  const params: Record<string, string> = {};
  const pattern = /;\s*([\w*-]+)=(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  for (let match = pattern.exec(value); match !== null; match = pattern.exec(value)) {
    const key = (match[1] ?? '').toLowerCase();
    params[key] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim();
  }
  return params;
}

/** Returns null when the body is not a well-formed multipart body for `boundary`. */
export function parseMultipart(body: Buffer, boundary: string): MultipartBody | null {
  const delimiter = Buffer.from(`--${boundary}`);
  const result: MultipartBody = { fields: {}, files: [] };
  let cursor = body.indexOf(delimiter);
  if (cursor === -1) return null;
  for (;;) {
    cursor += delimiter.length;
    if (body.subarray(cursor, cursor + 2).toString() === '--') return result;
    if (body.subarray(cursor, cursor + 2).toString() !== '\r\n') return null;
    cursor += 2;
    const headerEnd = body.indexOf('\r\n\r\n', cursor);
    if (headerEnd === -1) return null;
    const headers: Record<string, string> = {};
    for (const line of body.subarray(cursor, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) return null;
    const data = Buffer.from(body.subarray(headerEnd + 4, next));
    const disposition = headerParams(headers['content-disposition'] ?? '');
    const field = disposition['name'];
    if (field !== undefined) {
      const filename = disposition['filename'];
      if (filename === undefined) result.fields[field] = data.toString('utf8');
      else result.files.push({ field, filename, contentType: headers['content-type'] ?? 'application/octet-stream', data });
    }
    cursor = next + 2;
  }
}
