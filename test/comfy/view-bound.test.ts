import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ComfyFileTooLargeError } from '../../src/comfy/errors.ts';
import { ComfyHttp } from '../../src/comfy/http.ts';

/** /view is bounded (issue 13.1: every download a limit): a file past maxBytes is refused, by its Content-Length or mid-body. */

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((request, response) => {
    const body = Buffer.alloc(4096, 7);
    if (request.url?.includes('chunked')) {
      response.writeHead(200, { 'content-type': 'video/mp4' });
      for (let i = 0; i < 8; i += 1) response.write(body);
      response.end();
      return;
    }
    response.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(body.length) });
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('ComfyHttp.view bound', () => {
  it('GIVEN a file within the bound THEN its bytes; over it by Content-Length THEN ComfyFileTooLargeError', async () => {
    const http = new ComfyHttp({ baseUrl: base });
    expect((await http.view({ filename: 'a.mp4', subfolder: '', type: 'output' }, undefined, 4096)).length).toBe(4096);
    const error = await http.view({ filename: 'a.mp4', subfolder: '', type: 'output' }, undefined, 1000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComfyFileTooLargeError);
    expect((error as ComfyFileTooLargeError).code).toBe('COMFY_FILE_TOO_LARGE');
  });

  it('GIVEN a chunked body with no Content-Length THEN it is cut off once past the bound', async () => {
    const http = new ComfyHttp({ baseUrl: base });
    const error = await http.view({ filename: 'chunked.mp4', subfolder: '', type: 'output' }, undefined, 10_000).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ComfyFileTooLargeError);
  });
});
