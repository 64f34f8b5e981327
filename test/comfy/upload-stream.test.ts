import { randomBytes } from 'node:crypto';
import { openAsBlob } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyHttp } from '../../src/comfy/http.ts';
import { ComfyStandin, STANDIN_VERSIONS } from '../support/comfy-standin.ts';
import { json, startHttp, type TinyHttp } from './helpers.ts';

let http: TinyHttp | undefined;
let standin: ComfyStandin | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await http?.close();
  await standin?.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  http = undefined;
  standin = undefined;
});

async function fileBlob(data: Buffer): Promise<Blob> {
  const dir = await mkdtemp(join(tmpdir(), 'comfycord-upload-'));
  dirs.push(dir);
  const path = join(dir, 'kept.png');
  await writeFile(path, data);
  return openAsBlob(path);
}

describe('uploadImage streams its multipart body', () => {
  // Against both stand-ins (README: the whole protocol suite runs against 0.3.64 and a newer
  // server): a newer server's answer carries more than name/subfolder/type.
  it.each(STANDIN_VERSIONS)('stores a file-backed Blob byte for byte on the ComfyUI %s stand-in', async (version) => {
    const data = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3_000_000)]);
    standin = await ComfyStandin.start({ version });
    const uploaded = await new ComfyHttp({ baseUrl: standin.url }).uploadImage(await fileBlob(data), 'kept.png', { subfolder: 'bot', overwrite: true });
    expect(uploaded).toEqual({ name: 'kept.png', subfolder: 'bot', type: 'input' });
    expect(standin.uploads.get('bot/kept.png')?.equals(data)).toBe(true);
  });

  it('sends a file-backed Blob with an exact Content-Length (not chunked)', async () => {
    const data = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(3_000_000)]);
    http = await startHttp((_req, res) => json(res, 200, { name: 'kept.png', subfolder: '', type: 'input' }));
    await new ComfyHttp({ baseUrl: http.url }).uploadImage(await fileBlob(data), 'kept.png');
    const request = http.requests[0]!;
    expect(request.headers['transfer-encoding']).toBeUndefined();
    expect(Number(request.headers['content-length'])).toBe(request.body.length);
    expect(request.body.includes(data)).toBe(true);
  });

  it('refuses a Blob over the server\'s upload limit before sending anything', async () => {
    http = await startHttp((_req, res) => json(res, 200, { name: 'x.png', subfolder: '', type: 'input' }));
    const error = await new ComfyHttp({ baseUrl: http.url })
      .uploadImage(await fileBlob(Buffer.alloc(8192, 7)), 'big.png', { maxUploadBytes: 4096 })
      .catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('COMFY_UPLOAD_TOO_LARGE');
    expect(http.requests).toHaveLength(0);
  });

  it('escapes quotes and line breaks in the file name instead of letting them end the header', async () => {
    http = await startHttp((_req, res) => json(res, 200, { name: 'x.png', subfolder: '', type: 'input' }));
    await new ComfyHttp({ baseUrl: http.url }).uploadImage(Buffer.from('png'), 'a"b\r\nX-Evil: 1.png');
    const body = http.requests[0]!.body.toString('latin1');
    expect(body).toContain('filename="a%22b%0D%0AX-Evil: 1.png"');
    expect(body).not.toContain('\r\nX-Evil');
  });
});
