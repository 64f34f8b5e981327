import sharp from 'sharp';
import { fetch, FormData } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ComfyStandin, type StandinOptions } from '../support/comfy-standin.ts';
import { TestSocket, type Frame, type TextFrame } from '../support/comfy-standin/test-socket.ts';
import { httpExchanges, loadTranscript, receivedTypes, type TranscriptRecord } from '../support/comfy-standin/transcripts.ts';

/**
 * The stand-in is only useful if it behaves like the real ComfyUI 0.3.64 captured
 * in test/fixtures/comfy-protocol. Each test replays a transcript's scenario through a
 * real `ws` client and undici on 127.0.0.1 and compares what comes back.
 */

type Body = Record<string, unknown>;
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of open.splice(0).reverse()) await item.close();
});

async function startStandin(options: StandinOptions = {}): Promise<ComfyStandin> {
  const standin = await ComfyStandin.start({ stepDelayMs: 2, ...options });
  open.push(standin);
  return standin;
}

async function connect(standin: ComfyStandin, clientId: string | null, flags = false, url = standin.url): Promise<TestSocket> {
  const socket = await TestSocket.open(url, clientId);
  open.push(socket);
  await socket.waitForText('status');
  if (flags) {
    socket.sendJson({ type: 'feature_flags', data: { supports_preview_metadata: true } });
    await socket.waitForText('feature_flags');
  }
  return socket;
}

async function post(url: string, body: unknown, raw = false): Promise<{ status: number; text: string; json: Body; type: string }> {
  const res = await fetch(url, { method: 'POST', body: raw ? String(body) : JSON.stringify(body) });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') === true ? (JSON.parse(text) as Body) : {};
  return { status: res.status, text, json, type: res.headers.get('content-type') ?? '' };
}

async function getJson(url: string): Promise<Body> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

/** The n-th POST /prompt body of a transcript, sent for `clientId` (undefined: none). */
function promptBody(records: TranscriptRecord[], n: number, clientId?: string): Body {
  const posts = records.filter((r) => r.kind === 'http_req' && r.method === 'POST' && r.path === '/prompt');
  const body = structuredClone(posts[n]?.json) as Body;
  delete body['client_id'];
  return clientId === undefined ? body : { ...body, client_id: clientId };
}

/** Structure without values, key order included: what "same field names" means here. */
function shape(value: unknown): string {
  const walk = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(walk) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)])) : v === null ? null : typeof v;
  return JSON.stringify(walk(value));
}

function texts(frames: Frame[], type: string): Array<Record<string, unknown>> {
  return frames.filter((f): f is TextFrame => f.kind === 'text' && f.type === type).map((f) => f.data);
}

const statusValues = (frames: Frame[]): unknown[] => texts(frames, 'status').map((d) => (d['status'] as Body)['exec_info']);
const withoutStatus = (types: string[]): string[] => types.filter((t) => t !== 'status');

describe('one prompt, as 1_basic and 1b_legacy_previews recorded it', () => {
  it('sends the same frames in the same order, with the same fields and binary headers', async () => {
    const records = loadTranscript('1_basic');
    const standin = await startStandin();
    const socket = await connect(standin, 'client-s1', true);
    const accepted = await post(`${standin.url}/prompt`, promptBody(records, 0, 'client-s1'));
    expect(accepted.status).toBe(200);
    expect(shape(accepted.json)).toBe(shape(records.find((r) => r.kind === 'http_res' && r.path === '/prompt')?.json));
    const promptId = String(accepted.json['prompt_id']);
    await socket.finished(promptId);

    expect(socket.types()).toEqual(receivedTypes(records, 'A'));
    const recorded = records.filter((r) => r.kind === 'ws_in');
    socket.frames.forEach((frame, i) => {
      const theirs = recorded[i];
      if (frame.kind === 'text') expect(shape(frame.data), `frame ${i} ${frame.type}`).toBe(shape(theirs?.msg?.data));
      else expect(frame.bytes.subarray(0, 8).toString('hex')).toBe(theirs?.['first8_hex']);
    });
    const firstState = socket.texts().find((f) => f.type === 'progress_state');
    expect(firstState?.raw).toContain('"value": 0.0, "max": 1.0, "state": "running"');
    const preview = socket.frames.find((f) => f.kind === 'binary');
    expect(preview?.kind === 'binary' && JSON.parse(preview.bytes.subarray(8, 174).toString())).toEqual({
      node_id: '2', prompt_id: promptId, display_node_id: '2', parent_node_id: null, real_node_id: '2', image_type: 'image/jpeg',
    });
    expect(preview?.kind === 'binary' && preview.bytes.subarray(174, 176).toString('hex')).toBe('ffd8');

    const history = await getJson(`${standin.url}/history/${promptId}`);
    const theirHistory = records.find((r) => r.kind === 'http_res' && r.path?.startsWith('/history/'))?.json as Body;
    expect(shape(Object.values(history)[0])).toBe(shape(Object.values(theirHistory)[0]));
    const view = await fetch(`${standin.url}/view?filename=s1_537872_00001_.png&subfolder=&type=output`);
    expect([view.status, view.headers.get('content-type'), view.headers.get('content-disposition')]).toEqual([
      200, 'image/png', 'filename="s1_537872_00001_.png"',
    ]);
    expect(await sharp(Buffer.from(await view.arrayBuffer())).metadata()).toMatchObject({ format: 'png', width: 64, height: 64 });
  });

  it('sends legacy type 1 previews after progress to a socket without feature flags', async () => {
    const records = loadTranscript('1b_legacy_previews');
    const standin = await startStandin();
    const socket = await connect(standin, 'client-s1b');
    const accepted = await post(`${standin.url}/prompt`, promptBody(records, 0, 'client-s1b'));
    await socket.finished(String(accepted.json['prompt_id']));
    expect(socket.types()).toEqual(receivedTypes(records, 'A'));
    const previews = socket.frames.filter((f) => f.kind === 'binary');
    expect(previews.map((f) => f.bytes.subarray(0, 10).toString('hex'))).toEqual(Array(5).fill('0000000100000001ffd8'));
  });
});

describe('cache (2_queued_twice)', () => {
  it('serves an identical prompt from cache and replays executed; the observer gets only statuses', async () => {
    const records = loadTranscript('2_queued_twice');
    const standin = await startStandin({ manualSteps: true });
    const a = await connect(standin, 'client-s2', true);
    const b = await connect(standin, 'observer-s2', true);
    const first = await post(`${standin.url}/prompt`, promptBody(records, 0, 'client-s2'));
    await standin.waitFor('executing-start', (id) => id === first.json['prompt_id']);
    const second = await post(`${standin.url}/prompt`, promptBody(records, 1, 'client-s2'));
    standin.step(5);
    await a.finished(String(second.json['prompt_id']));

    expect(withoutStatus(a.types())).toEqual(withoutStatus(receivedTypes(records, 'A')));
    const theirB = records.filter((r) => r.conn === 'B' && r.msg?.type === 'status').map((r) => (r.msg?.data['status'] as Body)['exec_info']);
    await vi.waitFor(() => expect(statusValues(b.frames)).toEqual(theirB));
    expect(b.types()).toEqual(receivedTypes(records, 'B'));
    expect(texts(a.frames, 'execution_cached').map((d) => d['nodes'])).toEqual([[], ['1', '2', '3']]);
    const executed = texts(a.frames, 'executed');
    expect(executed[1]?.['output']).toEqual(executed[0]?.['output']);
    expect(executed[1]?.['prompt_id']).toBe(second.json['prompt_id']);
    expect(a.texts().filter((f) => f.type === 'progress_state').at(-1)?.raw).toContain('"value": 1, "max": 1, "state": "finished"');
    expect(first.json['number']).toBe(0);
  });

  it('reuses unchanged upstream nodes and runs only what changed', async () => {
    const standin = await startStandin();
    const socket = await connect(standin, 'partial');
    const body = promptBody(loadTranscript('1_basic'), 0, 'partial');
    await post(`${standin.url}/prompt`, body);
    const changed = structuredClone(body) as { prompt: Record<string, { inputs: Body }> };
    changed.prompt['3']!.inputs['filename_prefix'] = 'other';
    const again = await post(`${standin.url}/prompt`, changed);
    await socket.finished(String(again.json['prompt_id']));
    expect(texts(socket.frames, 'execution_cached').map((d) => d['nodes'])).toEqual([[], ['1', '2']]);
    const executing = texts(socket.frames, 'executing').filter((d) => d['prompt_id'] === again.json['prompt_id'] && d['node'] !== null);
    expect(executing.map((d) => d['node'])).toEqual(['3']);
    expect([...standin.outputs.keys()]).toEqual(['s1_537872_00001_.png', 'other_00001_.png']);
  });
});

describe('validation (4_validation_errors)', () => {
  it('answers every recorded case with the recorded status and byte-identical body, and sends nothing on the socket', async () => {
    const records = loadTranscript('4_validation_errors');
    const standin = await startStandin();
    const socket = await connect(standin, 'client-s4-537872', true);
    const cases = httpExchanges(records).filter(({ request }) => request.path === '/prompt');
    expect(cases).toHaveLength(11);
    for (const { request, response } of cases.slice(0, -1)) {
      const raw = (request.body as { raw?: string } | undefined)?.raw;
      const answer = raw === undefined ? await post(`${standin.url}/prompt`, request.json) : await post(`${standin.url}/prompt`, raw, true);
      expect(answer.status, JSON.stringify(request.json)).toBe(response.status);
      expect(answer.type).toBe(response.content_type);
      expect(answer.text).toBe(response.raw_body ?? response['text']);
    }
    expect(socket.types()).toEqual(['status', 'feature_flags']);

    const { request, response } = cases.at(-1)!;
    const partial = await post(`${standin.url}/prompt`, request.json);
    expect(partial.status).toBe(200);
    expect(partial.json['node_errors']).toEqual((response.json as Body)['node_errors']);
    expect(partial.json['number']).toBe(9); // every case with a "prompt" key consumed a number, the non-JSON one did not
    await socket.finished(String(partial.json['prompt_id']));
    expect(withoutStatus(socket.types())).toEqual(withoutStatus(receivedTypes(records, 'A')));
  });

  it('checks choice lists patched from `models`, max, FLOAT conversion and the prompt_id format', async () => {
    const standin = await startStandin({ models: { checkpoints: ['sd15.safetensors', 'xl.safetensors'] } });
    const info = await getJson(`${standin.url}/object_info/CheckpointLoaderSimple`);
    expect((info['CheckpointLoaderSimple'] as { input: { required: Body } }).input.required['ckpt_name']).toEqual([
      ['sd15.safetensors', 'xl.safetensors'], { tooltip: 'The name of the checkpoint (model) to load.' },
    ]);
    const graph = txt2img({ ckpt: 'nope.safetensors', cfg: 'abc', height: 99999 });
    const answer = await post(`${standin.url}/prompt`, { prompt: graph });
    expect(answer.status).toBe(400);
    expect((answer.json['error'] as Body)['type']).toBe('prompt_outputs_failed_validation');
    const errors = answer.json['node_errors'] as Record<string, { errors: Body[]; dependent_outputs: string[]; class_type: string }>;
    expect(Object.keys(errors).sort()).toEqual(['3', '4', '5']);
    expect(errors['4']?.errors).toEqual([{
      type: 'value_not_in_list', message: 'Value not in list',
      details: "ckpt_name: 'nope.safetensors' not in ['sd15.safetensors', 'xl.safetensors']",
      extra_info: { input_name: 'ckpt_name', input_config: [['sd15.safetensors', 'xl.safetensors'], { tooltip: 'The name of the checkpoint (model) to load.' }], received_value: 'nope.safetensors' },
    }]);
    expect(errors['4']?.dependent_outputs).toEqual(['9']);
    expect(errors['3']?.errors[0]).toMatchObject({ type: 'invalid_input_type', details: "cfg, abc, could not convert string to float: 'abc'" });
    expect(errors['5']?.errors[0]).toMatchObject({ type: 'value_bigger_than_max', message: 'Value 99999 bigger than max of 16384' });

    const cycle = {
      '1': { class_type: 'ImageInvert', inputs: { image: ['2', 0] } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'loop' } },
    };
    const looped = await post(`${standin.url}/prompt`, { prompt: cycle });
    expect([looped.status, (looped.json['error'] as Body)['type']]).toEqual([400, 'prompt_outputs_failed_validation']);

    for (const bad of ['not-a-uuid', 'B50C2B7F-9CE7-44FE-BF41-5BF7A799667F', 12]) {
      const refused = await post(`${standin.url}/prompt`, { prompt: txt2img({}), prompt_id: bad });
      expect([refused.status, (refused.json['error'] as Body)['type']]).toEqual([400, 'invalid_prompt_id']);
    }
    const chosen = await post(`${standin.url}/prompt`, { prompt: txt2img({}), prompt_id: 'b50c2b7f-9ce7-44fe-bf41-5bf7a799667f' });
    expect(chosen.json['prompt_id']).toBe('b50c2b7f-9ce7-44fe-bf41-5bf7a799667f');
  });
});

/** The default text-to-image workflow in API format. */
function txt2img(o: { ckpt?: string; cfg?: unknown; height?: number; seed?: number; batch?: number }): Body {
  return {
    '3': { class_type: 'KSampler', inputs: { seed: o.seed ?? 5, steps: 4, cfg: o.cfg ?? 7, sampler_name: 'euler', scheduler: 'normal', denoise: 1, model: ['4', 0], positive: ['6', 0], negative: ['7', 0], latent_image: ['5', 0] } },
    '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: o.ckpt ?? 'sd15.safetensors' } },
    '5': { class_type: 'EmptyLatentImage', inputs: { width: 128, height: o.height ?? 96, batch_size: o.batch ?? 1 } },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a cat', clip: ['4', 1] } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: 'blurry', clip: ['4', 1] } },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'txt2img', images: ['8', 0] } },
  };
}

describe('samplers', () => {
  it('runs a txt2img graph in dependency order with latent-size previews, a batch of PNGs and a partial cache on a new seed', async () => {
    const standin = await startStandin({ models: { checkpoints: ['sd15.safetensors'] } });
    const socket = await connect(standin, 'txt');
    const first = await post(`${standin.url}/prompt`, { prompt: txt2img({ batch: 2 }), client_id: 'txt' });
    await socket.finished(String(first.json['prompt_id']));
    const order = texts(socket.frames, 'executing').flatMap((d) => (d['node'] === null ? [] : [d['node'] as string]));
    expect(order[0]).toBe('4');
    expect(order.slice(-3)).toEqual(['3', '8', '9']);
    expect(texts(socket.frames, 'progress').map((d) => [d['value'], d['max'], d['node']])).toEqual([[1, 4, '3'], [2, 4, '3'], [3, 4, '3'], [4, 4, '3']]);
    const preview = socket.frames.find((f) => f.kind === 'binary');
    expect(preview?.kind === 'binary' && (await sharp(preview.bytes.subarray(8)).metadata())).toMatchObject({ format: 'jpeg', width: 16, height: 12 });
    expect(texts(socket.frames, 'executed')[0]?.['output']).toEqual({
      images: [{ filename: 'txt2img_00001_.png', subfolder: '', type: 'output' }, { filename: 'txt2img_00002_.png', subfolder: '', type: 'output' }],
    });
    expect(await sharp(standin.outputs.get('txt2img_00002_.png')).metadata()).toMatchObject({ width: 128, height: 96 });

    const from = socket.frames.length;
    const reseeded = await post(`${standin.url}/prompt`, { prompt: txt2img({ seed: 6 }), client_id: 'txt', extra_data: { preview_method: 'none' } });
    await socket.finished(String(reseeded.json['prompt_id']));
    expect(texts(socket.frames.slice(from), 'execution_cached')[0]?.['nodes']).toEqual(['4', '6', '7']);
    expect(socket.types(from)).not.toContain('bin1');
    expect(texts(socket.frames.slice(from), 'executed')[0]?.['output']).toEqual({ images: [{ filename: 'txt2img_00003_.png', subfolder: '', type: 'output' }] });
  });

  it('fails a loader whose model is missing at run time when validation never reached it', async () => {
    const standin = await startStandin({ models: { checkpoints: ['real.safetensors'] } });
    const socket = await connect(standin, 'loader');
    const prompt = {
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'x.safetensors' } },
      '5': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0, model: ['4', 0] } },
      '9': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
    };
    const accepted = await post(`${standin.url}/prompt`, { prompt, client_id: 'loader' });
    expect(accepted.status).toBe(200);
    const error = await socket.waitForText('execution_error');
    expect(error.data).toMatchObject({ node_id: '4', exception_type: 'FileNotFoundError', exception_message: "Model in folder 'checkpoints' with filename 'x.safetensors' not found.\n" });
  });
});

describe('execution error (5_execution_error)', () => {
  it('sends execution_error then status and executing null, and records the error in history', async () => {
    const records = loadTranscript('5_execution_error');
    const standin = await startStandin();
    const socket = await connect(standin, 'client-s5', true);
    const accepted = await post(`${standin.url}/prompt`, promptBody(records, 0, 'client-s5'));
    const promptId = String(accepted.json['prompt_id']);
    await socket.finished(promptId);
    expect(socket.types()).toEqual(receivedTypes(records, 'A'));
    const theirs = records.find((r) => r.msg?.type === 'execution_error')?.msg?.data ?? {};
    const mine = texts(socket.frames, 'execution_error')[0] ?? {};
    expect(Object.keys(mine)).toEqual(Object.keys(theirs));
    expect(mine).toMatchObject({ node_id: '2', node_type: 'RaiseError', executed: ['1'], exception_message: 'boom 537872\n', exception_type: 'RuntimeError', current_outputs: ['1', '2', '3'] });
    expect(mine['current_inputs']).toMatchObject({ message: ['boom 537872'] });
    expect((mine['traceback'] as unknown[]).every((line) => typeof line === 'string' && line.startsWith('  File "'))).toBe(true);
    const entry = (await getJson(`${standin.url}/history/${promptId}`))[promptId] as { status: Body; outputs: Body; meta: Body };
    expect(entry.status['status_str']).toBe('error');
    expect(entry.status['completed']).toBe(false);
    expect([entry.outputs, entry.meta]).toEqual([{}, {}]);
    expect((entry.status['messages'] as Array<[string, Body]>).map(([type]) => type)).toEqual(['execution_start', 'execution_cached', 'execution_error']);
    expect(await standin.waitFor('done', (id) => id === promptId)).toEqual([promptId, 'error']);
  });
});

describe('interrupt and delete (6_interrupt_and_delete)', () => {
  it('deletes only pending prompts, ignores a targeted interrupt of a pending one, honours a global one', async () => {
    const records = loadTranscript('6_interrupt_and_delete');
    const standin = await startStandin({ manualSteps: true });
    const socket = await connect(standin, 'client-s6', true);
    const p1 = String((await post(`${standin.url}/prompt`, promptBody(records, 0, 'client-s6'))).json['prompt_id']);
    await standin.waitFor('executing-start', (id) => id === p1);
    const p2 = String((await post(`${standin.url}/prompt`, promptBody(records, 1, 'client-s6'))).json['prompt_id']);
    const p3 = String((await post(`${standin.url}/prompt`, promptBody(records, 2, 'client-s6'))).json['prompt_id']);
    standin.step(5);
    await socket.waitForText('progress', (d) => d['value'] === 5);

    const queue = await getJson(`${standin.url}/queue`);
    const theirQueue = records.find((r) => r.kind === 'http_res' && r.path === '/queue')?.json;
    expect(shape(queue)).toBe(shape(theirQueue));
    expect((queue['queue_pending'] as unknown[][]).map((row) => row[1])).toEqual([p2, p3]);

    const mark = socket.frames.length;
    const deleted = await post(`${standin.url}/queue`, { delete: [p2] });
    expect([deleted.status, deleted.text, deleted.type]).toEqual([200, '', 'application/octet-stream']);
    await socket.waitFor((f) => f.kind === 'text' && f.type === 'status', 3000, mark);
    expect(statusValues(socket.frames.slice(mark))).toEqual([{ queue_remaining: 2 }]);

    expect((await post(`${standin.url}/interrupt`, { prompt_id: p3 })).status).toBe(200);
    standin.step(1);
    await socket.waitForText('progress', (d) => d['value'] === 6);
    const interrupt = await fetch(`${standin.url}/interrupt`, { method: 'POST' });
    expect(interrupt.status).toBe(200);
    const interrupted = await socket.waitForText('execution_interrupted');
    expect(interrupted.data).toMatchObject({ prompt_id: p1, node_id: '2', node_type: 'SlowProgress', executed: ['1'] });
    expect(Object.keys(interrupted.data)).toEqual(['prompt_id', 'node_id', 'node_type', 'executed', 'timestamp']);
    standin.step(3);
    await socket.finished(p3);
    const at = socket.frames.indexOf(interrupted);
    expect(socket.types(at).slice(0, 5)).toEqual(['execution_interrupted', 'status', 'executing', 'status', 'execution_start']);
    expect(await getJson(`${standin.url}/history/${p2}`)).toEqual({});
    const entry = (await getJson(`${standin.url}/history/${p1}`))[p1] as { status: { messages: Array<[string]>; status_str: string } };
    expect(entry.status.status_str).toBe('error');
    expect(entry.status.messages.map(([type]) => type)).toEqual(['execution_start', 'execution_cached', 'execution_interrupted']);
  });
});

describe('reconnects (7_reconnect, 7b_duplicate_client_id)', () => {
  it('greets a returning client with status and the current node, without replaying what it missed', async () => {
    const standin = await startStandin({ manualSteps: true });
    const a = await connect(standin, 'client-s7', true);
    const body = promptBody(loadTranscript('7_reconnect'), 0, 'client-s7');
    const promptId = String((await post(`${standin.url}/prompt`, body)).json['prompt_id']);
    standin.step(3);
    await a.waitForText('progress', (d) => d['value'] === 3);
    await a.close();
    await vi.waitFor(() => expect(standin.sockets()).toBe(0));
    standin.step(3); // progress 4..6 go to nobody

    const a2 = await connect(standin, 'client-s7');
    expect(a2.texts().map((f) => f.raw).slice(0, 2)).toEqual([
      '{"type": "status", "data": {"status": {"exec_info": {"queue_remaining": 1}}, "sid": "client-s7"}}',
      '{"type": "executing", "data": {"node": "2"}}',
    ]);
    standin.step(1);
    await a2.waitFor((f) => f.kind === 'binary');
    expect(a2.types(2)).toEqual(['progress_state', 'progress', 'bin1']);
    expect(texts(a2.frames, 'progress')[0]?.['value']).toBe(7);
    a2.sendJson({ type: 'feature_flags', data: { supports_preview_metadata: true } });
    await a2.waitForText('feature_flags');
    const mark = a2.frames.length;
    standin.step(1);
    await a2.waitForText('progress', (d) => d['value'] === 8);
    expect(a2.types(mark)).toEqual(['progress_state', 'bin4', 'progress']);
    standin.step(12);
    await a2.finished(promptId);

    const b = await connect(standin, 'other-s7');
    const second = String((await post(`${standin.url}/prompt`, { ...body, prompt: { ...(body['prompt'] as Body), '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 7 } } } })).json['prompt_id']);
    standin.step(2);
    await a2.waitForText('progress', (d) => d['prompt_id'] === second && d['value'] === 2);
    expect(new Set(b.types())).toEqual(new Set(['status']));
  });

  it('lets the older of two same-id sockets detach the newer one when it closes (the real bug)', async () => {
    const standin = await startStandin({ manualSteps: true });
    const older = await connect(standin, 'client-s7b', true);
    const newer = await connect(standin, 'client-s7b', true);
    const body = promptBody(loadTranscript('7b_duplicate_client_id'), 0, 'client-s7b');
    const promptId = String((await post(`${standin.url}/prompt`, body)).json['prompt_id']);
    standin.step(2);
    await newer.waitForText('progress', (d) => d['value'] === 2);
    expect(older.types()).toEqual(['status', 'feature_flags']);
    await older.close();
    await vi.waitFor(() => expect(standin.sockets()).toBe(1));
    const seen = newer.frames.length;
    standin.step(8);
    await standin.waitFor('done', (id) => id === promptId);
    expect(newer.frames.length).toBe(seen);
    expect(newer.ws.readyState).toBe(newer.ws.OPEN);
    const entry = (await getJson(`${standin.url}/history/${promptId}`))[promptId] as { status: Body };
    expect(entry.status['status_str']).toBe('success');
  });
});

describe('prompts without client_id (9_no_client_id_and_text)', () => {
  it('broadcasts progress, type 1 previews, progress text and interrupts, and sends lifecycle events to nobody', async () => {
    const records = loadTranscript('9_no_client_id_and_text');
    const standin = await startStandin({ manualSteps: true });
    const a = await connect(standin, 'client-s9a', true);
    const b = await connect(standin, null);
    expect(texts(b.frames, 'status')[0]?.['sid']).toMatch(/^[0-9a-f]{32}$/);
    const firstRun = records.filter((r) => r.seq < 46);
    const first = String((await post(`${standin.url}/prompt`, promptBody(records, 0))).json['prompt_id']);
    standin.step(3);
    await standin.waitFor('done', (id) => id === first);
    await vi.waitFor(() => expect(b.types()).toEqual(receivedTypes(firstRun, 'B')));
    expect(a.types()).toEqual(receivedTypes(firstRun, 'A'));

    const second = String((await post(`${standin.url}/prompt`, promptBody(records, 1))).json['prompt_id']);
    standin.step(3);
    await b.waitForText('progress', (d) => d['prompt_id'] === second && d['value'] === 3);
    await post(`${standin.url}/interrupt`, {});
    for (const socket of [a, b]) {
      const interrupted = await socket.waitForText('execution_interrupted');
      expect(interrupted.data).toMatchObject({ prompt_id: second, node_id: '2', executed: ['1'] });
      expect(socket.frames.filter((f) => f.kind === 'binary' && f.eventType === 1)).toHaveLength(3);
    }

    const third = await post(`${standin.url}/prompt`, promptBody(records, 2, 'client-s9a'));
    expect([third.json['prompt_id'], third.json['number']]).toEqual(['b50c2b7f-9ce7-44fe-bf41-5bf7a799667f', -2]);
    const mark = b.frames.length;
    standin.step(3);
    await a.finished('b50c2b7f-9ce7-44fe-bf41-5bf7a799667f');
    await vi.waitFor(() => expect(statusValues(b.frames.slice(mark)).at(-1)).toEqual({ queue_remaining: 0 }));
    expect(new Set(b.types(mark))).toEqual(new Set(['status', 'bin3']));
    expect(texts(a.frames, 'execution_start').map((d) => d['prompt_id'])).toEqual(['b50c2b7f-9ce7-44fe-bf41-5bf7a799667f']);
  });
});

async function uploadImage(url: string, name: string, data: Buffer, fields: Record<string, string>): Promise<Body> {
  const form = new FormData();
  form.append('image', new Blob([data], { type: 'image/png' }), name);
  for (const [key, value] of Object.entries(fields)) form.append(key, value);
  const res = await fetch(`${url}/upload/image`, { method: 'POST', body: form });
  expect(res.status).toBe(200);
  return (await res.json()) as Body;
}

describe('files (3_upload_loadimage, /view)', () => {
  it('renames clashing uploads, keeps identical ones, lists inputs for LoadImage and runs on the real bytes', async () => {
    const standin = await startStandin();
    const red = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
    const blue = await sharp({ create: { width: 8, height: 8, channels: 3, background: { r: 0, g: 0, b: 255 } } }).png().toBuffer();
    expect(await uploadImage(standin.url, 'capture.png', red, { type: 'input', overwrite: 'true' })).toEqual({ name: 'capture.png', subfolder: '', type: 'input' });
    expect(await uploadImage(standin.url, 'capture.png', red, { type: 'input' })).toEqual({ name: 'capture.png', subfolder: '', type: 'input' });
    expect(await uploadImage(standin.url, 'capture.png', blue, { type: 'input' })).toEqual({ name: 'capture (1).png', subfolder: '', type: 'input' });
    expect(await uploadImage(standin.url, 'sub.png', blue, { subfolder: 'capsub', overwrite: 'true' })).toEqual({ name: 'sub.png', subfolder: 'capsub', type: 'input' });
    expect([...standin.uploads.keys()]).toEqual(['capture.png', 'capture (1).png', 'capsub/sub.png']);
    const recorded = standin.requests.filter((r) => r.route === '/upload/image')[2]?.multipart;
    expect(recorded?.files[0]).toMatchObject({ field: 'image', filename: 'capture.png', contentType: 'image/png', data: blue });
    const loadImage = (await getJson(`${standin.url}/object_info/LoadImage`))['LoadImage'] as { input: { required: Body } };
    expect(loadImage.input.required['image']).toEqual([['capture (1).png', 'capture.png'], { image_upload: true }]);

    const socket = await connect(standin, 'client-s3');
    const body = promptBody(loadTranscript('3_upload_loadimage'), 0, 'client-s3');
    (body['prompt'] as Record<string, { inputs: Body }>)['10']!.inputs['image'] = 'capture.png';
    const promptId = String((await post(`${standin.url}/prompt`, body)).json['prompt_id']);
    await socket.finished(promptId);
    const pixel = await sharp(standin.outputs.get('s3_537872_00001_.png')).raw().toBuffer();
    expect([...pixel.subarray(0, 3)]).toEqual([0, 255, 255]);
    const input = await fetch(`${standin.url}/view?filename=capture.png&type=input`);
    expect(Buffer.from(await input.arrayBuffer())).toEqual(red);
    const fromSubfolder = await post(`${standin.url}/prompt`, { prompt: { '1': { class_type: 'LoadImage', inputs: { image: 'capsub/sub.png' } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } }, client_id: 'client-s3' });
    await socket.finished(String(fromSubfolder.json['prompt_id']));
    const temp = texts(socket.frames, 'executed').at(-1)?.['output'] as { images: Array<{ filename: string; type: string }> };
    expect(temp.images[0]?.filename).toMatch(/^ComfyUI_temp_[a-z]{5}_00001_\.png$/);
    expect((await fetch(`${standin.url}/view?filename=${temp.images[0]?.filename}&type=temp`)).status).toBe(200);
    expect((await fetch(`${standin.url}/view?filename=../secret.png`)).status).toBe(400);
    expect((await fetch(`${standin.url}/view?filename=a.png&subfolder=../..`)).status).toBe(403);
    const preview = await fetch(`${standin.url}/view?filename=capture.png&type=input&preview=jpeg;80`);
    expect(preview.headers.get('content-type')).toBe('image/jpeg');
  });
});

describe('info endpoints (8_info_endpoints)', () => {
  it('answers the recorded GETs with the recorded bodies', async () => {
    const records = loadTranscript('8_info_endpoints');
    const standin = await startStandin();
    const noFiles = (json: unknown): unknown => JSON.parse(JSON.stringify(json).replace(/"image":\[\[[^\]]*\]/, '"image":[[]'));
    for (const { request, response } of httpExchanges(records)) {
      if (request.path?.startsWith('/history?')) continue;
      const res = await fetch(`${standin.url}${request.path ?? ''}`);
      expect([res.status, res.headers.get('content-type')], request.path).toEqual([response.status, response.content_type]);
      const text = await res.text();
      if (response.json !== undefined) expect(noFiles(JSON.parse(text)), request.path).toEqual(noFiles(response.json));
      else expect(text).toBe('');
    }
  });

  it('returns the newest entries for /history?max_items', async () => {
    const standin = await startStandin();
    const socket = await connect(standin, 'hist');
    const ids: string[] = [];
    for (const color of [1, 2]) {
      const prompt = { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'h' } } };
      ids.push(String((await post(`${standin.url}/prompt`, { prompt, client_id: 'hist' })).json['prompt_id']));
      await socket.finished(ids.at(-1) ?? '');
    }
    expect(Object.keys(await getJson(`${standin.url}/history?max_items=1`))).toEqual([ids[1]]);
    expect(Object.keys(await getJson(`${standin.url}/api/history`))).toEqual(ids);
  });
});

describe('fault and timing controls', () => {
  it('restart drops sockets, refuses connections while down, and loses queue, history and the counter but keeps files', async () => {
    const standin = await startStandin({ manualSteps: true });
    const socket = await connect(standin, 'r');
    const quick = { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 3 } }, '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'r' } } };
    const done = String((await post(`${standin.url}/prompt`, { prompt: quick, client_id: 'r' })).json['prompt_id']);
    await socket.finished(done);
    const running = String((await post(`${standin.url}/prompt`, promptBody(loadTranscript('1_basic'), 0, 'r'))).json['prompt_id']);
    await post(`${standin.url}/prompt`, promptBody(loadTranscript('1b_legacy_previews'), 0, 'r'));

    const restarting = standin.restart({ downMs: 150 });
    expect(await socket.closed).toBe(1006);
    await expect(fetch(`${standin.url}/queue`)).rejects.toThrow();
    await restarting;
    expect(await getJson(`${standin.url}/queue`)).toEqual({ queue_running: [], queue_pending: [] });
    expect(await getJson(`${standin.url}/history`)).toEqual({});
    expect(standin.history.size).toBe(0);
    expect((await fetch(`${standin.url}/view?filename=r_00001_.png`)).status).toBe(200);
    await expect(standin.waitFor('done', (id) => id === running, 1)).rejects.toThrow(/no 'done'/);
    const again = await connect(standin, 'r');
    expect(texts(again.frames, 'status')[0]).toEqual({ status: { exec_info: { queue_remaining: 0 } }, sid: 'r' });
    expect((await post(`${standin.url}/prompt`, { prompt: quick })).json['number']).toBe(0);
  });

  it('setDown refuses HTTP and ws until lifted; failNextPost answers one POST /prompt with a raw response', async () => {
    const standin = await startStandin();
    standin.setDown(true);
    await expect(fetch(`${standin.url}/queue`)).rejects.toThrow();
    await expect(TestSocket.open(standin.url, 'x')).rejects.toThrow();
    standin.setDown(false);
    expect((await fetch(`${standin.url}/queue`)).status).toBe(200);

    standin.failNextPost(503, '{"error": "busy"}');
    const failed = await post(`${standin.url}/prompt`, { prompt: txt2img({}) });
    expect([failed.status, failed.text, failed.type]).toEqual([503, '{"error": "busy"}', 'application/json; charset=utf-8']);
    standin.failNextPost(502, 'Bad Gateway');
    expect((await post(`${standin.url}/prompt`, { prompt: {} })).type).toBe('text/plain; charset=utf-8');
    expect((await post(`${standin.url}/prompt`, { prompt: {} })).status).toBe(400);
  });

  it('pause holds queued prompts until resume; deleting the last pending one broadcasts twice; events and requests are recorded', async () => {
    const standin = await startStandin();
    standin.pause();
    const socket = await connect(standin, null);
    const prompts: unknown[][] = [];
    standin.on('prompt', (...args) => prompts.push(args));
    const body = { prompt: { '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 4 } }, '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } } } };
    const first = String((await post(`${standin.url}/prompt`, body)).json['prompt_id']);
    const second = String((await post(`${standin.url}/prompt`, { ...body, number: 99 })).json['prompt_id']);
    const queue = await getJson(`${standin.url}/queue`);
    expect([(queue['queue_running'] as unknown[]).length, (queue['queue_pending'] as unknown[][]).map((row) => row[1])]).toEqual([0, [first, second]]);
    expect(prompts).toEqual([[first, body], [second, { ...body, number: 99 }]]);
    await post(`${standin.url}/queue`, { delete: [second] });
    await post(`${standin.url}/queue`, { delete: [first] });
    await vi.waitFor(() => expect(statusValues(socket.frames).map((info) => (info as Body)['queue_remaining'])).toEqual([0, 1, 2, 1, 0, 0]));

    const third = String((await post(`${standin.url}/prompt`, body)).json['prompt_id']);
    standin.resume();
    expect(await standin.waitFor('done', (id) => id === third)).toEqual([third, 'success']);
    expect(standin.requests.filter((r) => r.method === 'POST').map((r) => r.json)).toEqual([body, { ...body, number: 99 }, { delete: [second] }, { delete: [first] }, body]);
    expect(standin.requests[0]).toMatchObject({ method: 'GET', path: '/ws', route: '/ws', query: {} });
  });
});

describe('access', () => {
  it('requires the configured header on HTTP and on the ws upgrade', async () => {
    const standin = await startStandin({ requireAuth: { header: 'Authorization', value: 'Bearer t0ken' } });
    const refused = await fetch(`${standin.url}/queue`);
    expect([refused.status, await refused.text()]).toEqual([401, '401: Unauthorized']);
    expect((await fetch(`${standin.url}/queue`, { headers: { authorization: 'Bearer t0ken' } })).status).toBe(200);
    await expect(TestSocket.open(standin.url, 'a')).rejects.toThrow('ws upgrade answered 401');
    const socket = await TestSocket.open(standin.url, 'a', { Authorization: 'Bearer t0ken' });
    open.push(socket);
    expect((await socket.waitForText('status')).data['sid']).toBe('a');
  });

  it('serves every route, /api routes and the socket under a path prefix only', async () => {
    const standin = await startStandin({ pathPrefix: '/comfy/' });
    expect(standin.url).toBe(`http://127.0.0.1:${standin.port}/comfy`);
    expect((await fetch(`${standin.url}/prompt`)).status).toBe(200);
    expect((await fetch(`${standin.url}/api/prompt`)).status).toBe(200);
    expect((await fetch(`http://127.0.0.1:${standin.port}/prompt`)).status).toBe(404);
    await connect(standin, 'p');
    await expect(TestSocket.open(`http://127.0.0.1:${standin.port}`, 'p')).rejects.toThrow('ws upgrade answered 404');
    expect(standin.requests.map((r) => [r.path, r.route])).toContainEqual(['/comfy/api/prompt', '/prompt']);
    expect((await fetch(`${standin.url}/nowhere`)).status).toBe(404);
    expect((await fetch(`${standin.url}/queue`, { method: 'PUT' })).status).toBe(405);
    expect((await fetch(`${standin.url}/queue`, { headers: { origin: 'http://evil.example' } })).status).toBe(403);
  });
});
