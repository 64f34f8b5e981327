import { afterEach, describe, expect, it } from 'vitest';
import { ComfyHttpError, ComfyUnavailableError, PromptValidationError } from '../../src/comfy/errors.ts';
import { ComfyHttp } from '../../src/comfy/http.ts';
import { capturedLogger, closedPort, json, recordingClock, startHttp, type TinyHttp } from './helpers.ts';

let server: TinyHttp | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const promptBody = (id = '0b5f0a3e-4a0e-4e8e-9a53-1f2d3c4b5a69') => ({
  prompt: { '1': { class_type: 'EmptyImage', inputs: { width: 8 } } },
  client_id: 'client-1',
  prompt_id: id,
  extra_data: { preview_method: 'auto' },
});

describe('ComfyHttp', () => {
  it('sends every request below the path prefix with the configured headers and basic auth', async () => {
    server = await startHttp((_req, res) => json(res, 200, { system: { comfyui_version: '0.3.64' }, devices: [{ name: 'cuda:0' }] }));
    const http = new ComfyHttp({ baseUrl: `${server.url}/comfy/`, headers: { 'x-api-key': 'k-123' }, auth: { username: 'bot', password: 's3cret' } });
    const stats = await http.systemStats();
    expect(stats.system['comfyui_version']).toBe('0.3.64');
    expect(stats.devices).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.url).toBe('/comfy/system_stats');
    expect(request?.headers['x-api-key']).toBe('k-123');
    expect(request?.headers['authorization']).toBe(`Basic ${Buffer.from('bot:s3cret').toString('base64')}`);
    expect(request?.headers['origin']).toBeUndefined();
  });

  it('moves credentials out of the URL into a header and never shows them', async () => {
    server = await startHttp((_req, res) => json(res, 503, {}));
    const http = new ComfyHttp({ baseUrl: `http://bot:pw%40x@127.0.0.1:${server.port}` });
    const error = await http.queue().catch((e: unknown) => e);
    expect(server.requests[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('bot:pw@x').toString('base64')}`);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect((error as ComfyHttpError).status).toBe(503);
    expect((error as ComfyHttpError).userMessage).toBe(`ComfyUI at 127.0.0.1:${server.port} answered HTTP 503 on GET /queue.`);
    expect(JSON.stringify((error as ComfyHttpError).context)).not.toContain('pw');
  });

  it('GIVEN an error body repeating the request headers THEN its own credentials are cut before the body is shortened for the log', async () => {
    const apiKey = 'k-echoed-0123456789';
    // The secret straddles the 300-character cut: shortening first would leave half of it.
    server = await startHttp((req, res) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${'.'.repeat(280)} x-api-key: ${String(req.headers['x-api-key'])} authorization: ${String(req.headers['authorization'])}`);
    });
    const http = new ComfyHttp({ baseUrl: server.url, headers: { 'X-Api-Key': apiKey }, auth: { username: 'bot', password: 's3cret-pass' } });
    const error = (await http.queue().catch((e: unknown) => e)) as ComfyHttpError;
    expect(error.userMessage).toBe(`ComfyUI at 127.0.0.1:${server.port} answered HTTP 502 on GET /queue.`);
    const logged = String(error.context['body']);
    expect(logged).toContain('x-api-key: [redac');
    for (const part of [apiKey.slice(0, 6), Buffer.from('bot:s3cret-pass').toString('base64').slice(0, 8)]) expect(logged).not.toContain(part);
  });

  it('posts the prompt body and reads the answer', async () => {
    server = await startHttp((req, res) => json(res, 200, { prompt_id: (JSON.parse(req.body.toString()) as { prompt_id: string }).prompt_id, number: 7, node_errors: {} }));
    const http = new ComfyHttp({ baseUrl: server.url });
    const accepted = await http.postPrompt(promptBody());
    expect(accepted).toEqual({ promptId: '0b5f0a3e-4a0e-4e8e-9a53-1f2d3c4b5a69', number: 7, nodeErrors: {} });
    expect(server.requests[0]?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(server.requests[0]?.body.toString() ?? '')).toEqual(promptBody());
  });

  it('turns a 400 into PromptValidationError and warns about a 200 with node_errors, without logging secrets', async () => {
    const nodeErrors = {
      '4': {
        class_type: 'SaveImage',
        errors: [{ type: 'required_input_missing', message: 'Required input is missing', details: 'images', extra_info: { input_name: 'images' } }],
      },
    };
    let call = 0;
    server = await startHttp((_req, res) => {
      call += 1;
      if (call === 1) json(res, 400, { error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation' }, node_errors: nodeErrors });
      else json(res, 200, { prompt_id: 'p', number: 1, node_errors: nodeErrors });
    });
    const log = capturedLogger();
    const http = new ComfyHttp({ baseUrl: server.url, headers: { authorization: 'Bearer top-secret' }, logger: log.logger });
    const refused = await http.postPrompt(promptBody()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PromptValidationError);
    expect((refused as PromptValidationError).userMessage).toBe("Node 4 (SaveImage): required input 'images' is missing");

    const accepted = await http.postPrompt(promptBody());
    expect(Object.keys(accepted.nodeErrors)).toEqual(['4']);
    const warning = log.lines().find((line) => line['level'] === 40);
    expect(warning?.['problems']).toEqual(["Node 4 (SaveImage): required input 'images' is missing"]);
    expect(log.text()).not.toContain('top-secret');
  });

  it('fails fast with ComfyUnavailableError when nothing listens', async () => {
    const port = await closedPort();
    const http = new ComfyHttp({ baseUrl: `http://127.0.0.1:${port}` });
    const started = Date.now();
    const error = await http.queue().catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(ComfyUnavailableError);
    expect((error as ComfyUnavailableError).userMessage).toBe(`ComfyUI at 127.0.0.1:${port} is not reachable (connection refused).`);
  });

  it('times out a server that never answers', async () => {
    server = await startHttp(() => undefined);
    const http = new ComfyHttp({ baseUrl: server.url, timeoutMs: 150 });
    const error = await http.history('abc').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnavailableError);
    expect((error as ComfyUnavailableError).userMessage).toContain('no answer to GET /history/abc within 150 ms');
  });

  it('takes its request deadline from the injected clock', async () => {
    server = await startHttp(() => undefined);
    const clock = recordingClock();
    const http = new ComfyHttp({ baseUrl: server.url, timeoutMs: 120, clock });
    const error = await http.history('abc').catch((e: unknown) => e);
    expect((error as ComfyUnavailableError).userMessage).toContain('no answer to GET /history/abc within 120 ms');
    expect(clock.asked).toEqual(['after 120']);
  });

  it('passes a caller abort through unchanged', async () => {
    server = await startHttp(() => undefined);
    const http = new ComfyHttp({ baseUrl: server.url });
    const controller = new AbortController();
    const pending = http.history('abc', controller.signal).catch((e: unknown) => e);
    controller.abort(new Error('stop'));
    expect(((await pending) as Error).message).toBe('stop');
  });

  it('uploads an image as multipart with subfolder and overwrite', async () => {
    server = await startHttp((_req, res) => json(res, 200, { name: 'in.png', subfolder: 'bot', type: 'input' }));
    const http = new ComfyHttp({ baseUrl: server.url });
    const bytes = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3, 4]);
    const uploaded = await http.uploadImage(bytes, 'in.png', { subfolder: 'bot', overwrite: true });
    expect(uploaded).toEqual({ name: 'in.png', subfolder: 'bot', type: 'input' });
    const request = server.requests[0];
    expect(request?.url).toBe('/upload/image');
    expect(request?.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    const body = request?.body ?? Buffer.alloc(0);
    expect(body.toString('latin1')).toMatch(/name="image"; filename="in.png"/);
    expect(body.includes(bytes)).toBe(true);
    expect(body.toString('latin1')).toMatch(/name="overwrite"\r\n\r\ntrue/);
    expect(body.toString('latin1')).toMatch(/name="subfolder"\r\n\r\nbot/);
  });

  it('downloads /view bytes and reports a missing file as HTTP 404', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000', 'hex');
    server = await startHttp((req, res) => {
      if (req.url.includes('missing')) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    });
    const http = new ComfyHttp({ baseUrl: server.url });
    expect(await http.view({ filename: 'a b.png', subfolder: '', type: 'output' })).toEqual(png);
    expect(server.requests[0]?.url).toBe('/view?filename=a+b.png&subfolder=&type=output');
    const error = await http.view({ filename: 'missing.png', subfolder: '', type: 'output' }).catch((e: unknown) => e);
    expect((error as ComfyHttpError).status).toBe(404);
  });

  it('reads /queue in run order and sends delete and targeted interrupt', async () => {
    server = await startHttp((req, res) => {
      if (req.method === 'GET') {
        json(res, 200, {
          queue_running: [[5, 'run', {}, {}, []]],
          queue_pending: [[9, 'late', {}, {}, []], [-2, 'front', {}, {}, []], [7, 'mid', {}, {}, []]],
        });
      } else res.writeHead(200).end();
    });
    const http = new ComfyHttp({ baseUrl: server.url });
    const queue = await http.queue();
    expect(queue.running.map((entry) => entry.promptId)).toEqual(['run']);
    expect(queue.pending.map((entry) => entry.promptId)).toEqual(['front', 'mid', 'late']);
    await http.deleteQueued(['mid']);
    await http.interrupt('run');
    await http.interrupt();
    expect(server.requests.slice(1).map((r) => [r.url, r.body.toString()])).toEqual([
      ['/queue', '{"delete":["mid"]}'],
      ['/interrupt', '{"prompt_id":"run"}'],
      ['/interrupt', '{}'],
    ]);
  });
});
