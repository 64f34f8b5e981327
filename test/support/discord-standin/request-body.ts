import type { RecordedFile } from './request-log.ts';

export interface ParsedBody {
  json: unknown;
  multipart: boolean;
  files: RecordedFile[];
}

export class BodyParseError extends Error {}

/**
 * Reads a Discord request body: JSON, or multipart/form-data with a `payload_json`
 * part and `files[n]` parts (what @discordjs/rest sends whenever files are attached).
 * Multipart parsing is left to the platform's `Response.formData()`.
 */
export async function parseRequestBody(raw: Buffer, contentType: string | undefined): Promise<ParsedBody> {
  if (raw.length === 0) return { json: undefined, multipart: false, files: [] };
  const type = contentType?.toLowerCase() ?? '';
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, contentType ?? '');
  try {
    return { json: JSON.parse(raw.toString('utf8')), multipart: false, files: [] };
  } catch (error) {
    throw new BodyParseError(`body is not JSON (${type || 'no content-type'}): ${String(error)}`);
  }
}

async function parseMultipart(raw: Buffer, contentType: string): Promise<ParsedBody> {
  const form = await new Response(new Uint8Array(raw), { headers: { 'content-type': contentType } }).formData();
  let json: unknown;
  const files: RecordedFile[] = [];
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') {
      if (name === 'payload_json') json = JSON.parse(value);
      continue;
    }
    files.push({
      name,
      filename: value.name,
      contentType: value.type || 'application/octet-stream',
      data: Buffer.from(await value.arrayBuffer()),
    });
  }
  return { json, multipart: true, files };
}
