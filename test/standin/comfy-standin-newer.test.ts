import { randomUUID } from 'node:crypto';
import { fetch, FormData } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyStandin, type StandinOptions } from '../support/comfy-standin.ts';
import { TestSocket, type TextFrame } from '../support/comfy-standin/test-socket.ts';

/**
 * The stand-in's "newer server" mode against what ComfyUI's current source does
 * (server.py, execution.py, comfy_execution/jobs.py, progress.py, asset_enrichment.py,
 * comfy_api/feature_flags.py, app/node_replace_manager.py), and the 0.3.64 mode
 * keeping none of it. Real ws and undici on 127.0.0.1.
 */

type Body = Record<string, unknown>;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function startStandin(options: StandinOptions = {}): Promise<ComfyStandin> {
  const standin = await ComfyStandin.start({ stepDelayMs: 2, version: 'newer', ...options });
  open.push(standin);
  return standin;
}

async function connect(standin: ComfyStandin, clientId: string): Promise<TestSocket> {
  const socket = await TestSocket.open(standin.url, clientId);
  open.push(socket);
  await socket.waitForText('status');
  socket.sendJson({ type: 'feature_flags', data: { supports_preview_metadata: true } });
  await socket.waitForText('feature_flags');
  return socket;
}

async function call(url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: Body; text: string }> {
  const res = await fetch(url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') === true ? (JSON.parse(text) as Body) : {};
  return { status: res.status, json, text };
}

function slowGraph(steps: number, prefix = 'n'): Body {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: steps } },
    '2': { class_type: 'SlowProgress', inputs: { image: ['1', 0], steps } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: prefix } },
  };
}

async function submit(standin: ComfyStandin, prompt: Body, clientId: string): Promise<string> {
  const promptId = randomUUID();
  const answer = await call(`${standin.url}/prompt`, 'POST', { prompt, client_id: clientId, prompt_id: promptId });
  expect(answer.status).toBe(200);
  return promptId;
}

describe('the newer-server mode of the ComfyUI stand-in', () => {
  it('answers GET /api/jobs/{id} for a pending, a running and a finished prompt, and 404 for an unknown id; never at /jobs', async () => {
    const standin = await startStandin({ manualSteps: true });
    await connect(standin, 'c1');
    const running = await submit(standin, slowGraph(3, 'a'), 'c1');
    const pending = await submit(standin, slowGraph(2, 'b'), 'c1');
    await standin.waitFor('executing-start', (id) => id === running);
    expect((await call(`${standin.url}/api/jobs/${running}`)).json).toMatchObject({ id: running, status: 'in_progress', workflow: { prompt: slowGraph(3, 'a') } });
    expect((await call(`${standin.url}/api/jobs/${pending}`)).json).toMatchObject({ id: pending, status: 'pending' });
    const unknown = await call(`${standin.url}/api/jobs/${randomUUID()}`);
    expect([unknown.status, unknown.json]).toEqual([404, { error: 'Job not found' }]);
    expect((await call(`${standin.url}/jobs/${running}`)).status).toBe(404);
    standin.step(5);
    await standin.waitFor('done', (id) => id === pending);
    const done = (await call(`${standin.url}/api/jobs/${running}`)).json;
    expect(done).toMatchObject({ id: running, status: 'completed', execution_status: { status_str: 'success', completed: true } });
    expect(Object.keys(done['outputs'] as Body)).toEqual(['3']);
    const list = (await call(`${standin.url}/api/jobs?status=completed&limit=1`)).json;
    expect(list['pagination']).toEqual({ offset: 0, limit: 1, total: 2, has_more: true });
  });

  it('cancels a pending and a running prompt through POST /api/jobs/{id}/cancel, idempotently', async () => {
    const standin = await startStandin({ manualSteps: true });
    const socket = await connect(standin, 'c2');
    const running = await submit(standin, slowGraph(9, 'c'), 'c2');
    const pending = await submit(standin, slowGraph(2, 'd'), 'c2');
    await standin.waitFor('executing-start', (id) => id === running);
    expect((await call(`${standin.url}/api/jobs/${pending}/cancel`, 'POST')).json).toEqual({ cancelled: true });
    expect((await call(`${standin.url}/api/jobs/${running}/cancel`, 'POST')).json).toEqual({ cancelled: true });
    await socket.waitForText('execution_interrupted', (d) => d['prompt_id'] === running);
    expect((await call(`${standin.url}/api/jobs/${running}`)).json).toMatchObject({ status: 'cancelled' });
    expect((await call(`${standin.url}/api/jobs/${pending}`)).status).toBe(404);
    expect((await call(`${standin.url}/api/jobs/${running}/cancel`, 'POST')).json).toEqual({ cancelled: false });
    expect((await call(`${standin.url}/api/jobs/cancel`, 'POST', { job_ids: ['nope'] })).status).toBe(400);
  });

  it('sends its feature flags (max_upload_size, assets, node_replacements) on the socket and at /features, and enforces the upload size', async () => {
    const standin = await startStandin({ maxUploadBytes: 4096 });
    const socket = await connect(standin, 'c3');
    const flags = (socket.texts().find((f) => f.type === 'feature_flags') as TextFrame).data;
    expect(flags).toEqual({
      supports_preview_metadata: true,
      supports_model_type_tags: true,
      max_upload_size: 4096,
      extension: { manager: { supports_v4: true } },
      node_replacements: true,
      assets: true,
    });
    expect((await call(`${standin.url}/features`)).json).toEqual(flags);
    const form = new FormData();
    form.append('image', new Blob([new Uint8Array(8192)]), 'big.png');
    expect((await fetch(`${standin.url}/upload/image`, { method: 'POST', body: form })).status).toBe(413);
  });

  it("marks a sampler's model loading as activity 'loading' in progress_state, and gives outputs asset ids", async () => {
    const standin = await startStandin();
    const socket = await connect(standin, 'c4');
    const promptId = await submit(standin, slowGraph(2, 'e'), 'c4');
    await socket.finished(promptId);
    const states = socket.texts().filter((f) => f.type === 'progress_state').map((f) => (f.data['nodes'] as Record<string, Body>)['2']);
    const loading = states.findIndex((node) => node?.['activity'] === 'loading');
    expect(loading).toBeGreaterThan(-1);
    expect(states[loading]).toMatchObject({ state: 'running', value: 0, max: 1 });
    expect(states.slice(loading + 1).some((node) => node !== undefined && 'activity' in node)).toBe(false);
    const executed = socket.texts().find((f) => f.type === 'executed')?.data['output'] as { images: Body[] };
    expect(executed.images[0]).toMatchObject({ type: 'output', id: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown });
    expect(executed.images[0]?.['preview_id']).toBe(executed.images[0]?.['id']);
    const history = (await call(`${standin.url}/history/${promptId}`)).json[promptId] as { outputs: Record<string, { images: Body[] }> };
    expect(history.outputs['3']?.images[0]?.['id']).toBe(executed.images[0]?.['id']);
  });

  it('refuses an unknown node type as missing_node_type naming its class, and rewrites a deprecated node it has a replacement for', async () => {
    const standin = await startStandin();
    await connect(standin, 'c5');
    const refused = await call(`${standin.url}/prompt`, 'POST', { prompt: { '7': { class_type: 'NoSuchNode', inputs: {}, _meta: { title: 'My node' } } } });
    expect(refused.status).toBe(400);
    expect(refused.json).toEqual({
      error: {
        type: 'missing_node_type',
        message: "Node 'My node' not found. The custom node may not be installed.",
        details: "Node ID '#7'",
        extra_info: { node_id: '7', class_type: 'NoSuchNode', node_title: 'My node' },
      },
      node_errors: {},
    });
    const replacements = (await call(`${standin.url}/node_replacements`)).json;
    expect(replacements['ResizeImagesByLongerEdge']).toEqual([expect.objectContaining({ new_node_id: 'ImageScaleToMaxDimension' })]);
    const deprecated = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 3 } },
      '2': { class_type: 'ResizeImagesByLongerEdge', inputs: { images: ['1', 0], longer_edge: 16 } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'r' } },
    };
    const promptId = await submit(standin, deprecated, 'c5');
    await standin.waitFor('done', (id) => id === promptId);
    const queued = (await call(`${standin.url}/history/${promptId}`)).json[promptId] as { prompt: unknown[] };
    expect((queued.prompt[2] as Record<string, Body>)['2']).toMatchObject({
      class_type: 'ImageScaleToMaxDimension',
      inputs: { image: ['1', 0], largest_size: 16, upscale_method: 'lanczos' },
    });
  });

  it('answers 403 to a request marked Sec-Fetch-Site: cross-site', async () => {
    const standin = await startStandin();
    expect((await call(`${standin.url}/system_stats`, 'GET', undefined, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await call(`${standin.url}/system_stats`)).json['system']).toMatchObject({ comfyui_version: '0.38.1', os: 'linux' });
  });
});

describe('the 0.3.64 mode keeps none of it', () => {
  it('has no jobs API and no node replacements, refuses unknown nodes as invalid_prompt, and ignores Sec-Fetch-Site', async () => {
    const standin = await startStandin({ version: '0.3.64' });
    expect((await call(`${standin.url}/api/jobs/${randomUUID()}`)).status).toBe(404);
    expect((await call(`${standin.url}/node_replacements`)).status).toBe(404);
    expect((await call(`${standin.url}/features`)).json).toEqual({ supports_preview_metadata: true, max_upload_size: 104857600 });
    const refused = await call(`${standin.url}/prompt`, 'POST', { prompt: { '2': { class_type: 'ResizeImagesByLongerEdge', inputs: {} } } });
    expect((refused.json['error'] as Body)['type']).toBe('invalid_prompt');
    expect((await call(`${standin.url}/system_stats`, 'GET', undefined, { 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });
});
