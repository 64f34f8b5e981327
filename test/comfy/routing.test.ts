import { afterEach, describe, expect, it } from 'vitest';
import { ComfyCancelledError, ComfyExecutionError } from '../../src/comfy/errors.ts';
import { encodePreviewFrame, encodePreviewWithMetadataFrame, encodeProgressTextFrame } from '../../src/comfy/messages.ts';
import { ComfyServer } from '../../src/comfy/server.ts';
import type { RunEvent } from '../../src/jobs/run-events.ts';
import { eventRecorder } from './helpers.ts';
import { startScriptedComfy, type ScriptedComfy } from './scripted-comfy.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const graph = {
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 1 } },
  '2': { class_type: 'SlowProgress', inputs: { image: ['1', 0], steps: 3 } },
  '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 't' } },
  '4': { class_type: 'PreviewImage', inputs: { images: ['2', 0] } },
};

let comfy: ScriptedComfy | undefined;
let server: ComfyServer | undefined;
afterEach(async () => {
  await server?.close();
  await comfy?.close();
  server = undefined;
  comfy = undefined;
});

function historyFor(promptId: string, outputs: Record<string, unknown>, status = 'success') {
  return { [promptId]: { outputs, status: { status_str: status, completed: status === 'success', messages: [] } } };
}

/** Image signatures with stand-in bodies: the adapter drops previews that are not images. */
const JPEG_BYTES = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('legacy-jpeg')]);
const PNG_BYTES = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('png-for-b')]);

describe('ComfyServer routing (scripted frames)', () => {
  it('sends client_id, a lowercase UUID prompt_id and the preview method', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, clientId: 'bot-1', previewMethod: 'taesd', resyncIntervalMs: 0 });
    const first = server.run(graph);
    await first.accepted;
    const second = server.run(graph, { previewMethod: 'none' });
    await second.accepted;
    const [a, b] = comfy.prompts();
    expect(a?.client_id).toBe('bot-1');
    expect(a?.prompt_id).toBe(first.promptId);
    expect(first.promptId).toMatch(UUID);
    expect(a?.extra_data).toEqual({ preview_method: 'taesd' });
    expect(b?.extra_data).toEqual({ preview_method: 'none' });
    expect(a?.prompt).toEqual(graph);
  });

  it('routes by prompt id; legacy previews and progress text go to the run executing now', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const a = eventRecorder<RunEvent>();
    const b = eventRecorder<RunEvent>();
    const runA = server.run(graph, { onEvent: a.onEvent });
    const runB = server.run(graph, { onEvent: b.onEvent });
    await Promise.all([runA.accepted, runB.accepted]);
    const A = runA.promptId;
    const B = runB.promptId;

    await comfy.send('execution_start', { prompt_id: A });
    await comfy.send('execution_cached', { prompt_id: A, nodes: ['1'] });
    await comfy.send('executing', { node: '2', display_node: '2', prompt_id: A });
    await comfy.sendBinary(encodePreviewFrame(JPEG_BYTES)); // type 1: no prompt id
    await comfy.sendBinary(encodePreviewWithMetadataFrame(PNG_BYTES, { prompt_id: B, node_id: '2', image_type: 'image/png' }));
    await comfy.sendBinary(encodeProgressTextFrame('2', 'step text'));
    await comfy.send('progress', { value: 1, max: 3, prompt_id: A, node: '2' });
    await comfy.send('progress', { value: 1, max: 9, prompt_id: 'someone-else', node: '7' });
    await a.next((e) => e.type === 'progress');

    expect(a.events).toEqual([
      { type: 'started' },
      { type: 'cached', nodes: ['1'] },
      { type: 'node', node: '2', classType: 'SlowProgress', index: 1, total: 3 },
      { type: 'preview', mime: 'image/jpeg', image: JPEG_BYTES },
      { type: 'progress_text', node: '2', text: 'step text' },
      { type: 'progress', node: '2', value: 1, max: 3 },
    ]);
    expect(b.events.filter((e) => e.type === 'preview')).toEqual([{ type: 'preview', mime: 'image/png', image: PNG_BYTES }]);

    comfy.routes.set('GET /history/*', () => ({
      status: 200,
      body: historyFor(A, {
        '4': { images: [{ filename: 'p.png', subfolder: '', type: 'temp' }] },
        '3': { images: [{ filename: 's.png', subfolder: '', type: 'output' }] },
      }),
    }));
    await comfy.send('executing', { node: '3', display_node: '3', prompt_id: A });
    await comfy.send('executed', { node: '3', display_node: '3', output: { images: [{ filename: 's.png', subfolder: '', type: 'output' }] }, prompt_id: A });
    await comfy.send('execution_success', { prompt_id: A });
    await comfy.send('executing', { node: null, prompt_id: A });
    const result = await runA.done;
    expect(result.promptId).toBe(A);
    expect(result.files.map((image) => image.filename)).toEqual(['s.png', 'p.png']);
    expect(a.events.find((e) => e.type === 'node' && e.node === '3')).toEqual({ type: 'node', node: '3', classType: 'SaveImage', index: 2, total: 3 });
    expect(a.events.some((e) => e.type === 'output')).toBe(true);
    expect(server.inFlight).toBe(1);
  });

  it('sees a prompt that finishes before POST /prompt answers', async () => {
    comfy = await startScriptedComfy();
    const scripted = comfy;
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const socket = await (async () => {
      await server.connect();
      return scripted.socket();
    })();
    scripted.routes.set('POST /prompt', (request) => {
      const { prompt_id } = JSON.parse(request.body.toString()) as { prompt_id: string };
      // Fully cached: the whole run is on the wire before the HTTP answer.
      for (const [type, data] of [
        ['execution_start', { prompt_id }],
        ['execution_cached', { prompt_id, nodes: ['1', '2', '3', '4'] }],
        ['executed', { node: '3', output: { images: [{ filename: 'old.png', subfolder: '', type: 'output' }] }, prompt_id }],
        ['execution_success', { prompt_id }],
        ['executing', { node: null, prompt_id }],
      ] as const) {
        socket.send(JSON.stringify({ type, data }));
      }
      scripted.routes.set('GET /history/*', () => ({ status: 200, body: historyFor(prompt_id, { '3': { images: [{ filename: 'old.png', subfolder: '', type: 'output' }] } }) }));
      return { status: 200, body: { prompt_id, number: 1, node_errors: {} } };
    });
    const events = eventRecorder<RunEvent>();
    const run = server.run(graph, { onEvent: events.onEvent });
    const result = await run.done;
    expect(result.files).toEqual([{ filename: 'old.png', subfolder: '', type: 'output', kind: 'image', mime: 'image/png', extension: 'png' }]);
    expect(events.types()).toEqual(['started', 'cached', 'output']);
  });

  it('rejects with ComfyExecutionError naming node, type and message', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const run = server.run(graph);
    await run.accepted;
    await comfy.send('execution_start', { prompt_id: run.promptId });
    await comfy.send('execution_error', {
      prompt_id: run.promptId,
      node_id: '2',
      node_type: 'SlowProgress',
      exception_type: 'torch.OutOfMemoryError',
      exception_message: 'CUDA out of memory\n',
      executed: ['1'],
      traceback: [],
    });
    await comfy.send('executing', { node: null, prompt_id: run.promptId });
    const error = (await run.done.catch((e: unknown) => e)) as ComfyExecutionError;
    expect(error).toBeInstanceOf(ComfyExecutionError);
    expect(error.code).toBe('COMFY_EXECUTION_FAILED');
    expect(error.userMessage).toBe('ComfyUI failed in node 2 (SlowProgress): CUDA out of memory');
    expect([error.nodeId, error.nodeType, error.exceptionType]).toEqual(['2', 'SlowProgress', 'torch.OutOfMemoryError']);
    expect(server.inFlight).toBe(0);
  });

  it('tracks queue_remaining and position from /queue', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const remaining: number[] = [];
    server.on('queue', (n) => remaining.push(n));
    let pending: Array<[number, string]> = [];
    comfy.routes.set('GET /queue', () => ({ status: 200, body: { queue_running: [[0, 'other', {}, {}, []]], queue_pending: pending } }));
    comfy.routes.set('POST /prompt', (request) => {
      const { prompt_id } = JSON.parse(request.body.toString()) as { prompt_id: string };
      pending = [[5, 'before'], [6, prompt_id]];
      return { status: 200, body: { prompt_id, number: 6, node_errors: {} } };
    });
    const events = eventRecorder<RunEvent>();
    const run = server.run(graph, { onEvent: events.onEvent });
    expect(await events.next((e) => e.type === 'queued')).toEqual({ type: 'queued', ahead: 2 });
    pending = [[6, run.promptId]];
    await comfy.send('status', { status: { exec_info: { queue_remaining: 2 } } });
    expect(await events.next((e) => e.type === 'queued' && e.ahead === 1)).toEqual({ type: 'queued', ahead: 1 });
    expect(server.queueRemaining).toBe(2);
    expect(remaining).toContain(2);
  });

  it('cancels before submitting without posting anything', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const run = server.run(graph, { signal: AbortSignal.abort() });
    const error = (await run.done.catch((e: unknown) => e)) as ComfyCancelledError;
    expect(error).toBeInstanceOf(ComfyCancelledError);
    expect(error.phase).toBe('before-submit');
    await expect(run.accepted).rejects.toBe(error);
    expect(comfy.prompts()).toHaveLength(0);
  });

  it('deletes a prompt whose cancel arrived while POST /prompt was in flight', async () => {
    comfy = await startScriptedComfy();
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0 });
    const controller = new AbortController();
    const accept = comfy.routes.get('POST /prompt');
    comfy.routes.set('POST /prompt', (request) => {
      controller.abort(); // the user cancels while the server is still answering
      return accept?.(request) ?? { status: 500, body: {} };
    });
    const run = server.run(graph, { signal: controller.signal });
    const error = (await run.done.catch((e: unknown) => e)) as ComfyCancelledError;
    expect(error.phase).toBe('queued');
    const deletes = comfy.requests.filter((r) => r.method === 'POST' && r.url === '/queue').map((r) => JSON.parse(r.body.toString()) as unknown);
    expect(deletes).toEqual([{ delete: [run.promptId] }]);
    expect(comfy.requests.some((r) => r.url === '/interrupt')).toBe(false);
  });

  it('replaces a socket whose pings go unanswered without failing the run', async () => {
    comfy = await startScriptedComfy({ autoPong: false });
    server = new ComfyServer({ url: comfy.url, resyncIntervalMs: 0, pingIntervalMs: 40, pongTimeoutMs: 60, minDelayMs: 20, maxDelayMs: 40 });
    const events = eventRecorder<RunEvent>();
    const run = server.run(graph, { onEvent: events.onEvent });
    await run.accepted;
    const A = run.promptId;
    comfy.routes.set('GET /queue', () => ({ status: 200, body: { queue_running: [[1, A, {}, {}, []]], queue_pending: [] } }));
    comfy.routes.set('GET /history/*', () => ({ status: 200, body: {} }));
    await events.next((e) => e.type === 'reconnected');
    await events.next((e) => e.type === 'started'); // resync saw it running
    comfy.routes.set('GET /history/*', () => ({ status: 200, body: historyFor(A, { '3': { images: [{ filename: 'z.png', subfolder: '', type: 'output' }] } }) }));
    await comfy.send('executing', { node: null, prompt_id: A });
    expect((await run.done).files[0]?.filename).toBe('z.png');
    expect(events.types()).not.toContain('resubmitted');
  });
});
