import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import {
  ComfyCancelledError,
  ComfyExecutionError,
  ComfyPromptLostError,
  ComfyUnavailableError,
  ComfyUploadTooLargeError,
  PromptValidationError,
} from '../../src/comfy/errors.ts';
import { ComfyServer, type ComfyServerOptions } from '../../src/comfy/server.ts';
import type { RunEvent } from '../../src/jobs/run-events.ts';
import { ComfyStandin, STANDIN_VERSIONS, type StandinOptions } from '../support/comfy-standin.ts';
import { capturedLogger, closedPort, eventRecorder, eventually } from './helpers.ts';

/**
 * ComfyServer against the behavioural ComfyUI stand-in: real HTTP, a real socket,
 * the real message order, queue, cache, interrupts, dropped sockets and restarts.
 * Every test runs twice: against the captured 0.3.64 and against a newer server.
 */

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

function slowGraph(color: number, steps = 4): Graph {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color } },
    '2': { class_type: 'SlowProgress', inputs: { image: ['1', 0], steps } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: `c${color}` } },
  };
}

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeAll(() => {
  process.on('unhandledRejection', onUnhandled);
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  expect(unhandled).toEqual([]);
});

let standin: ComfyStandin | undefined;
let servers: ComfyServer[] = [];
afterEach(async () => {
  for (const server of servers) await server.close();
  servers = [];
  await standin?.close();
  standin = undefined;
});

function serverFor(url: string, options: Partial<ComfyServerOptions> = {}): ComfyServer {
  const server = new ComfyServer({
    url,
    minDelayMs: 20,
    maxDelayMs: 100,
    pollIntervalMs: 50,
    resyncIntervalMs: 0,
    connectTimeoutMs: 2_000,
    ...options,
  });
  servers.push(server);
  return server;
}

describe.each(STANDIN_VERSIONS)('ComfyServer against the ComfyUI %s stand-in', (version) => {
  const startStandin = (options: StandinOptions = {}): Promise<ComfyStandin> => ComfyStandin.start({ ...options, version });

  it('runs a graph: ordered events, previews with metadata, outputs from history', async () => {
    standin = await startStandin({ stepDelayMs: 15 });
    const server = serverFor(standin.url);
    await server.connect();
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(1, 4), { onEvent: events.onEvent });
    const result = await run.done;

    const post = standin.requests.find((request) => request.method === 'POST' && request.route === '/prompt');
    expect(post?.json).toMatchObject({ client_id: server.clientId, prompt_id: run.promptId, extra_data: { preview_method: 'auto' } });
    const nodes = events.events.filter((e) => e.type === 'node');
    expect(nodes).toEqual([
      { type: 'node', node: '1', classType: 'EmptyImage', index: 1, total: 3 },
      { type: 'node', node: '2', classType: 'SlowProgress', index: 2, total: 3 },
      { type: 'node', node: '3', classType: 'SaveImage', index: 3, total: 3 },
    ]);
    const types = events.types();
    expect(types.indexOf('started')).toBeLessThan(types.indexOf('node'));
    expect(events.events.filter((e) => e.type === 'progress').map((e) => e.value)).toEqual([1, 2, 3, 4]);
    const previews = events.events.filter((e) => e.type === 'preview');
    expect(previews).toHaveLength(4);
    expect(previews.every((e) => e.mime === 'image/jpeg' && e.image[0] === 0xff && e.image[1] === 0xd8)).toBe(true);
    expect(types.at(-1)).toBe('output');

    expect(result.promptId).toBe(run.promptId);
    expect(result.files).toHaveLength(1);
    const image = result.files[0];
    if (image === undefined) throw new Error('no image');
    expect(image.type).toBe('output');
    const bytes = await server.view(image);
    expect(bytes.subarray(0, 4)).toEqual(PNG_MAGIC);
    expect(bytes).toEqual(standin.outputs.get(image.filename));
    expect(server.inFlight).toBe(0);
  });

  it("passes a node's activity (a newer server's 'loading' while a sampler loads its models) on as run events", async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const events = eventRecorder<RunEvent>();
    await server.run(slowGraph(21, 2), { onEvent: events.onEvent }).done;
    const activity = events.events.filter((e) => e.type === 'activity');
    expect(activity).toEqual(
      version === 'newer'
        ? [
            { type: 'activity', node: '2', activity: 'loading' },
            { type: 'activity', node: '2', activity: null },
          ]
        : [],
    );
    if (version === 'newer') expect(events.types().indexOf('activity')).toBeLessThan(events.types().indexOf('progress'));
  });

  it('routes two concurrent runs to their own subscribers', async () => {
    standin = await startStandin({ stepDelayMs: 10 });
    const server = serverFor(standin.url);
    const a = eventRecorder<RunEvent>();
    const b = eventRecorder<RunEvent>();
    const runA = server.run(slowGraph(2, 3), { onEvent: a.onEvent });
    const runB = server.run(slowGraph(3, 5), { onEvent: b.onEvent });
    const [resultA, resultB] = await Promise.all([runA.done, runB.done]);

    const maxes = (events: RunEvent[]) => new Set(events.flatMap((e) => (e.type === 'progress' ? [e.max] : [])));
    expect(maxes(a.events)).toEqual(new Set([3]));
    expect(maxes(b.events)).toEqual(new Set([5]));
    expect(a.events.filter((e) => e.type === 'preview')).toHaveLength(3);
    expect(b.events.filter((e) => e.type === 'preview')).toHaveLength(5);
    expect(b.events.find((e) => e.type === 'queued')).toEqual({ type: 'queued', ahead: 1 });
    expect(resultA.files[0]?.filename).toMatch(/^c2_/);
    expect(resultB.files[0]?.filename).toMatch(/^c3_/);
  });

  it('completes a fully cached run', async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const first = await server.run(slowGraph(4, 2)).done;
    const events = eventRecorder<RunEvent>();
    const second = await server.run(slowGraph(4, 2), { onEvent: events.onEvent }).done;
    expect(events.events.find((e) => e.type === 'cached')).toEqual({ type: 'cached', nodes: ['1', '2', '3'] });
    expect(events.events.some((e) => e.type === 'node' || e.type === 'progress')).toBe(false);
    expect(second.files).toEqual(first.files);
  });

  it('explains refused prompts in terms of node, input and value', async () => {
    standin = await startStandin({ models: { checkpoints: ['real.safetensors'] } });
    const server = serverFor(standin.url);
    const cases: Array<[Graph, string]> = [
      [
        {
          '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'x.safetensors' } },
          '5': { class_type: 'EmptyLatentImage', inputs: { width: 64, height: 64, batch_size: 1 } },
          '6': { class_type: 'VAEDecode', inputs: { samples: ['5', 0], vae: ['4', 2] } },
          '9': { class_type: 'SaveImage', inputs: { images: ['6', 0], filename_prefix: 'x' } },
        },
        "Node 4 (CheckpointLoaderSimple): ckpt_name 'x.safetensors' is not one of the server's values (choices: real.safetensors)",
      ],
      [
        { '10': { class_type: 'LoadImage', inputs: { image: 'nope.png' } }, '12': { class_type: 'SaveImage', inputs: { images: ['10', 0], filename_prefix: 'x' } } },
        "Node 10 (LoadImage): image 'nope.png' is not in ComfyUI's input folder (upload it first)",
      ],
      [{ '1': { class_type: 'NoSuchNode', inputs: {} } }, 'Node 1 (NoSuchNode): this node type is not installed on the ComfyUI server'],
      [{ '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } } }, expect.stringMatching(/^The workflow has no output node/)],
      [{ ...slowGraph(5), '2': { class_type: 'SlowProgress', inputs: { image: ['1', 0], steps: 0 } } }, 'Node 2 (SlowProgress): steps 0 is below the minimum of 1'],
    ];
    for (const [graph, message] of cases) {
      const run = server.run(graph);
      const error = await run.accepted.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PromptValidationError);
      expect((error as PromptValidationError).userMessage).toEqual(message);
      await expect(run.done).rejects.toBe(error);
    }
    expect(server.inFlight).toBe(0);
  });

  it('uploads an input image and runs LoadImage on it', async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const png = await standinPng(server);
    const uploaded = await server.uploadImage(png, 'in.png', { subfolder: 'bot', overwrite: true });
    expect(uploaded).toEqual({ name: 'in.png', subfolder: 'bot', type: 'input' });
    const result = await server.run({
      '1': { class_type: 'LoadImage', inputs: { image: 'bot/in.png' } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'loaded' } },
    }).done;
    expect(result.files[0]?.filename).toMatch(/^loaded_/);
  });

  it("refuses an upload over the server's max_upload_size before sending it", async () => {
    standin = await startStandin({ stepDelayMs: 5, maxUploadBytes: 4096 });
    const server = serverFor(standin.url);
    await server.connect();
    const big = Buffer.alloc(8192, 7);
    const error = (await server.uploadImage(big, 'big.png').catch((e: unknown) => e)) as ComfyUploadTooLargeError;
    expect(error).toBeInstanceOf(ComfyUploadTooLargeError);
    expect(error.code).toBe('COMFY_UPLOAD_TOO_LARGE');
    expect(error.userMessage).toBe(`The image is too large for ComfyUI at ${server.host}: 8.0 KB, and it accepts uploads of at most 4.0 KB.`);
    expect(standin.requests.some((r) => r.route === '/upload/image')).toBe(false);
    expect(await server.uploadImage(Buffer.alloc(1024, 7), 'small.png')).toMatchObject({ name: 'small.png' });
  });

  it('rejects with ComfyExecutionError when a node raises', async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const run = server.run({
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 6 } },
      '2': { class_type: 'RaiseError', inputs: { image: ['1', 0], message: 'boom 42' } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'x' } },
    });
    const error = (await run.done.catch((e: unknown) => e)) as ComfyExecutionError;
    expect(error).toBeInstanceOf(ComfyExecutionError);
    expect(error.userMessage).toBe('ComfyUI failed in node 2 (RaiseError): boom 42');
    expect(error.exceptionType).toBe('RuntimeError');
  });

  it('cancels a pending run and a running one: /queue delete and a targeted /interrupt, or POST /api/jobs/{id}/cancel where the server has it', async () => {
    standin = await startStandin({ stepDelayMs: 20 });
    const server = serverFor(standin.url);
    const running = new AbortController();
    const pending = new AbortController();
    const a = eventRecorder<RunEvent>();
    const runA = server.run(slowGraph(7, 200), { onEvent: a.onEvent, signal: running.signal });
    const runB = server.run(slowGraph(8, 3), { signal: pending.signal });
    await Promise.all([runA.accepted, runB.accepted, a.next((e) => e.type === 'progress')]);

    pending.abort();
    const cancelledB = (await runB.done.catch((e: unknown) => e)) as ComfyCancelledError;
    expect(cancelledB).toBeInstanceOf(ComfyCancelledError);
    expect(cancelledB.phase).toBe('queued');
    const deletes = (): unknown[] => standin?.requests.filter((r) => r.route === '/queue' && r.method === 'POST').map((r) => r.json) ?? [];
    const jobCancels = (): string[] => standin?.requests.filter((r) => r.method === 'POST' && r.path.startsWith('/api/jobs/')).map((r) => r.path) ?? [];
    expect(deletes()).toEqual(version === 'newer' ? [] : [{ delete: [runB.promptId] }]);
    expect(jobCancels()).toEqual(version === 'newer' ? [`/api/jobs/${runB.promptId}/cancel`] : []);

    running.abort();
    const cancelledA = (await runA.done.catch((e: unknown) => e)) as ComfyCancelledError;
    expect(cancelledA.phase).toBe('running');
    const interrupts = standin.requests.filter((r) => r.route === '/interrupt').map((r) => r.json);
    expect(interrupts).toEqual(version === 'newer' ? [] : [{ prompt_id: runA.promptId }]);
    expect(jobCancels()).toEqual(version === 'newer' ? [`/api/jobs/${runB.promptId}/cancel`, `/api/jobs/${runA.promptId}/cancel`] : []);
    await standin.waitFor('done', (promptId) => promptId === runA.promptId, 3_000);
    expect(standin.history.has(runB.promptId)).toBe(false);
  });

  it('survives a dropped socket mid-run: reconnects, resyncs, and still sees completion', async () => {
    standin = await startStandin({ stepDelayMs: 20 });
    const log = capturedLogger('info');
    const server = serverFor(standin.url, { logger: log.logger });
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(9, 12), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress' && e.value >= 2);
    standin.dropSockets();
    await events.next((e) => e.type === 'reconnected');
    const result = await run.done;
    expect(result.files).toHaveLength(1);
    expect(events.events.some((e) => e.type === 'resubmitted')).toBe(false);
    const values = events.events.flatMap((e) => (e.type === 'progress' ? [e.value] : []));
    expect(values.at(-1)).toBe(12);
    expect(standin.requests.filter((r) => r.route === '/prompt' && r.method === 'POST')).toHaveLength(1);
    const messages = log.lines().map((line) => line['msg']);
    expect(messages).toEqual(expect.arrayContaining(['comfy socket disconnected', 'comfy socket reconnecting', 'comfy resync: still tracking']));
    // The resync asked the jobs API where the server has it, /history otherwise.
    const jobLookups = standin.requests.filter((r) => r.method === 'GET' && r.path === `/api/jobs/${run.promptId}`);
    expect(jobLookups.length > 0).toBe(version === 'newer');
  });

  it('resubmits once, with a new prompt id, when a restart lost the queue', async () => {
    standin = await startStandin({ stepDelayMs: 20 });
    const server = serverFor(standin.url);
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(10, 30), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress');
    const firstId = run.promptId;
    await standin.restart({ downMs: 150 });
    await events.next((e) => e.type === 'resubmitted', 5_000);
    expect(run.promptId).not.toBe(firstId);
    expect(run.promptId).toMatch(/^[0-9a-f-]{36}$/);
    // A second loss gives up with a clear error.
    await events.next((e) => e.type === 'progress' && events.events.indexOf(e) > events.types().indexOf('resubmitted'), 5_000);
    await standin.restart({ downMs: 100 });
    const error = (await run.done.catch((e: unknown) => e)) as ComfyPromptLostError;
    expect(error).toBeInstanceOf(ComfyPromptLostError);
    expect(error.userMessage).toMatch(/lost the job twice/);
    expect(standin.requests.filter((r) => r.route === '/prompt' && r.method === 'POST')).toHaveLength(2);
    // Lost means the jobs API answered 404 for it (newer), or neither /queue nor /history had it (0.3.64).
    expect(standin.requests.some((r) => r.method === 'GET' && r.path === `/api/jobs/${firstId}`)).toBe(version === 'newer');
  });

  it('completes a resubmitted run', async () => {
    standin = await startStandin({ stepDelayMs: 10 });
    const server = serverFor(standin.url);
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(11, 10), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress');
    await standin.restart({ downMs: 50 });
    const result = await run.done;
    expect(events.types()).toContain('resubmitted');
    expect(result.promptId).toBe(run.promptId);
    expect(result.files).toHaveLength(1);
  });

  it('sees a completion that happens while the socket is down, by polling /history', async () => {
    standin = await startStandin({ stepDelayMs: 15 });
    // Reconnects far slower than the run: only polling can see the end.
    const server = serverFor(standin.url, { minDelayMs: 5_000, maxDelayMs: 5_000, pollIntervalMs: 30 });
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(12, 6), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress');
    standin.dropSockets();
    const result = await run.done;
    expect(server.state).toBe('reconnecting');
    expect(result.files).toHaveLength(1);
  });

  it('notices a run finishing on a socket the server silently detached, then replaces the socket', async () => {
    standin = await startStandin({ stepDelayMs: 15 });
    const log = capturedLogger('info');
    const server = serverFor(standin.url, { resyncIntervalMs: 100, logger: log.logger });
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(15, 8), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress');
    await intrude(standin.url, server.clientId);
    const result = await run.done;
    expect(result.files).toHaveLength(1);
    expect(events.types()).not.toContain('reconnected');
    expect(events.events.filter((e) => e.type === 'progress').length).toBeLessThan(8); // the rest went unheard
    await eventually(() => log.lines().some((line) => line['msg'] === 'comfy socket: forcing a reconnect'), 2_000, 'a forced reconnect');
    await eventually(() => server.state === 'ready' && standin?.sockets() === 1, 3_000, 'a fresh socket');
  });

  it('replaces a detached socket when a POST /prompt brings no status broadcast', async () => {
    standin = await startStandin({ stepDelayMs: 15 });
    const server = serverFor(standin.url, { detachCheckMs: 150 });
    await server.connect();
    await intrude(standin.url, server.clientId);
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(16, 20), { onEvent: events.onEvent });
    await events.next((e) => e.type === 'reconnected', 3_000);
    const result = await run.done;
    expect(result.files).toHaveLength(1);
    const after = events.events.slice(events.types().indexOf('reconnected'));
    expect(after.some((e) => e.type === 'progress')).toBe(true);
  });

  it('replaces a detached socket even when its last frame came in the same millisecond as the POST', async () => {
    standin = await startStandin({ stepDelayMs: 15 });
    // GIVEN a wall clock that does not move: the connect-time status frame and the POST
    // read the same millisecond (what a fast loopback reply does now and then).
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const server = serverFor(standin.url, { detachCheckMs: 150 });
      await server.connect();
      await intrude(standin.url, server.clientId);
      const events = eventRecorder<RunEvent>();
      const run = server.run(slowGraph(17, 20), { onEvent: events.onEvent });
      await events.next((e) => e.type === 'reconnected', 3_000);
      expect((await run.done).files).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('sends auth headers on HTTP and the upgrade, below a path prefix', async () => {
    standin = await startStandin({ stepDelayMs: 5, requireAuth: { header: 'authorization', value: 'Bearer s3cret' }, pathPrefix: '/comfy' });
    const log = capturedLogger('debug');
    const server = serverFor(standin.url, { headers: { authorization: 'Bearer s3cret' }, logger: log.logger });
    const result = await server.run(slowGraph(13, 2)).done;
    expect(result.files).toHaveLength(1);
    expect(standin.requests.every((r) => r.headers['authorization'] === 'Bearer s3cret')).toBe(true);
    expect(log.text()).not.toContain('s3cret');

    const anonymous = serverFor(standin.url);
    const error = (await anonymous.connect().catch((e: unknown) => e)) as ComfyUnavailableError;
    expect(error).toBeInstanceOf(ComfyUnavailableError);
    expect(error.userMessage).toMatch(/HTTP 40[13]/);
  });

  it('sends no Sec-Fetch-Site header on any request or on the socket upgrade (newer servers refuse cross-site)', async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const png = await standinPng(server);
    await server.uploadImage(png, 'sfs.png', { overwrite: true });
    const cancel = new AbortController();
    const events = eventRecorder<RunEvent>();
    const run = server.run(slowGraph(22, 50), { signal: cancel.signal, onEvent: events.onEvent });
    await events.next((e) => e.type === 'progress');
    cancel.abort();
    await run.done.catch(() => undefined);
    const routes = new Set(standin.requests.map((r) => r.route));
    for (const route of ['/ws', '/prompt', '/view', '/upload/image']) expect(routes).toContain(route);
    expect([...routes].some((route) => route.startsWith('/history/'))).toBe(true);
    expect(standin.requests.filter((r) => 'sec-fetch-site' in r.headers || 'sec-fetch-mode' in r.headers)).toEqual([]);
  });

  it('reads each output item by its own type: a temp preview is fetched from temp, an asset id changes nothing', async () => {
    standin = await startStandin({ stepDelayMs: 5 });
    const server = serverFor(standin.url);
    const result = await server.run({
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 23 } },
      '2': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
    }).done;
    expect(result.files).toEqual([{ filename: expect.stringMatching(/^ComfyUI_temp_\w+_00001_\.png$/) as unknown, subfolder: '', type: 'temp', kind: 'image', mime: 'image/png', extension: 'png' }]);
    const image = result.files[0];
    if (image === undefined) throw new Error('no image');
    expect(await server.view(image)).toEqual(standin.temp.get(image.filename));
    const raw = result.outputs['2']?.images;
    expect(raw).toHaveLength(1);
  });

  it('fails fast and clearly when the server is down', async () => {
    const port = await closedPort();
    const server = serverFor(`http://127.0.0.1:${port}`, { connectTimeoutMs: 5_000 });
    const started = Date.now();
    const run = server.run(slowGraph(14));
    const error = (await run.done.catch((e: unknown) => e)) as ComfyUnavailableError;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error).toBeInstanceOf(ComfyUnavailableError);
    expect(error.userMessage).toBe(`ComfyUI at 127.0.0.1:${port} is not reachable (connection refused).`);
    await expect(server.connect()).rejects.toBeInstanceOf(ComfyUnavailableError);
  });
});

/** A real PNG produced by the stand-in itself, to upload back. */
async function standinPng(server: ComfyServer): Promise<Buffer> {
  const result = await server.run({
    '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 99 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'src' } },
  }).done;
  const image = result.files[0];
  if (image === undefined) throw new Error('no image');
  return server.view(image);
}

/**
 * Another socket with our clientId replaces ours in the server's table; when it
 * closes, the server forgets the clientId and ours stays open but hears nothing
 * (comfy-protocol 7b).
 */
async function intrude(url: string, clientId: string): Promise<void> {
  const intruder = new WebSocket(`${url.replace('http', 'ws')}/ws?clientId=${clientId}`);
  await new Promise((resolve, reject) => intruder.once('open', resolve).once('error', reject));
  intruder.close();
  await new Promise((resolve) => intruder.once('close', resolve));
}
