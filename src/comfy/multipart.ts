import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';

/** A multipart/form-data request body whose length is known before it is sent. */
export interface MultipartBody {
  contentType: string;
  /** Bytes in the whole body: sent as Content-Length, and checked against a server's upload limit. */
  length: number;
  /** The body, read from the file part's source as it is sent: a file-backed Blob is never held in memory. */
  stream(): Readable;
}

export interface MultipartFile {
  field: string;
  filename: string;
  data: Buffer | Blob;
}

/** Quotes and line breaks in a name become percent escapes, as browsers encode form data. */
function quoted(value: string): string {
  return `"${value.replace(/"/gu, '%22').replace(/\r/gu, '%0D').replace(/\n/gu, '%0A')}"`;
}

/**
 * Encodes text fields and one file as multipart/form-data (RFC 7578). Written here
 * rather than through FormData + Response, which build the whole body in memory (an
 * 8 MB input image twice over), and because the body's length must be known to refuse
 * an upload over the server's limit before sending it.
 */
export function multipartBody(fields: ReadonlyArray<readonly [string, string]>, file: MultipartFile): MultipartBody {
  const boundary = `----comfycord${randomBytes(12).toString('hex')}`;
  const head = Buffer.from(
    fields.map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(name)}\r\n\r\n${value}\r\n`).join('') +
      `--${boundary}\r\nContent-Disposition: form-data; name=${quoted(file.field)}; filename=${quoted(file.filename)}\r\n` +
      'Content-Type: application/octet-stream\r\n\r\n',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const size = Buffer.isBuffer(file.data) ? file.data.length : file.data.size;
  const { data } = file;
  return {
    contentType: `multipart/form-data; boundary=${boundary}`,
    length: head.length + size + tail.length,
    stream: () =>
      Readable.from(
        (async function* parts(): AsyncGenerator<Uint8Array> {
          yield head;
          if (Buffer.isBuffer(data)) yield data;
          else for await (const chunk of data.stream()) yield chunk;
          yield tail;
        })(),
        { objectMode: false },
      ),
  };
}
