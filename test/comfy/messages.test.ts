import { randomUUID } from 'node:crypto';
import { fetch } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  encodePreviewFrame,
  encodePreviewWithMetadataFrame,
  encodeProgressTextFrame,
  parseBinaryMessage,
  parseTextMessage,
} from '../../src/comfy/messages.ts';
import { ComfyStandin, STANDIN_VERSIONS } from '../support/comfy-standin.ts';
import { pyJson } from '../support/comfy-standin/py-json.ts';
import { TestSocket } from '../support/comfy-standin/test-socket.ts';
import { loadTranscript, TRANSCRIPTS, type TranscriptRecord } from '../support/comfy-standin/transcripts.ts';

/**
 * The parsers against what a real ComfyUI 0.3.64 sent (test/fixtures/comfy-protocol):
 * every text frame of every transcript, and binary frames rebuilt byte for byte
 * from their recorded layout.
 */

const records = TRANSCRIPTS.flatMap((name) => loadTranscript(name).map((record) => ({ name, record })));
const textFrames = records.filter(({ record }) => record.kind === 'ws_in' && record.text === true);
const binaryFrames = records.filter(({ record }) => record.kind === 'ws_in' && record.binary === true);

const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);

/** A recorded binary frame rebuilt: its header, its payload, filler image bytes of the recorded length. */
function rebuild(record: TranscriptRecord): Buffer {
  const header = Buffer.from(String(record['first8_hex']), 'hex');
  const image = (length: number): Buffer => Buffer.concat([JPEG_MAGIC, Buffer.alloc(length - JPEG_MAGIC.length, 0x11)]);
  switch (record['event_type']) {
    case 1:
      return Buffer.concat([header, image(Number(record['image_len']))]);
    case 4:
      return Buffer.concat([header, Buffer.from(pyJson(record['metadata'])), image(Number(record['image_len']))]);
    case 3:
      return Buffer.concat([header, Buffer.from(String(record['node_id'])), Buffer.from(String(record['progress_text']))]);
    default:
      throw new Error(`unexpected event type ${String(record['event_type'])}`);
  }
}

describe('parseTextMessage on every recorded text frame', () => {
  it('covers all eleven scenarios and every message type seen', () => {
    const types = new Set(textFrames.map(({ record }) => record.msg?.type));
    expect(new Set(textFrames.map(({ name }) => name)).size).toBe(TRANSCRIPTS.length - 1); // 8_info has no socket
    expect([...types].sort()).toEqual([
      'executed',
      'executing',
      'execution_cached',
      'execution_error',
      'execution_interrupted',
      'execution_start',
      'execution_success',
      'feature_flags',
      'progress',
      'progress_state',
      'status',
    ]);
  });

  it('parses each one to its own type, never malformed, from text, bytes and the decoded object', () => {
    for (const { name, record } of textFrames) {
      const raw = pyJson(record.msg);
      const fromText = parseTextMessage(raw);
      expect(fromText.type, `${name} seq ${record.seq}`).toBe(record.msg?.type);
      expect(parseTextMessage(record.msg)).toEqual(fromText);
      expect(parseTextMessage(Buffer.from(raw))).toEqual(fromText);
    }
  });

  it('keeps the values a client routes on', () => {
    for (const { record } of textFrames) {
      const data = record.msg?.data ?? {};
      const parsed = parseTextMessage(record.msg);
      if ('promptId' in parsed) expect(parsed.promptId).toBe(data['prompt_id'] ?? null);
      if (parsed.type === 'executing') expect(parsed.node).toBe(data['node']);
      if (parsed.type === 'progress') expect([parsed.value, parsed.max]).toEqual([data['value'], data['max']]);
      if (parsed.type === 'status') expect(parsed.sid).toBe(data['sid'] ?? null);
      if (parsed.type === 'execution_cached') expect(parsed.nodes).toEqual(data['nodes']);
      if (parsed.type === 'progress_state') expect(Object.keys(parsed.nodes)).toEqual(Object.keys(data['nodes'] as object));
    }
  });

  it('reads the reconnect form of executing: a node and no prompt id (7_reconnect)', () => {
    const reconnect = loadTranscript('7_reconnect').find((r) => r.conn === 'A2' && r.msg?.type === 'executing');
    expect(parseTextMessage(reconnect?.msg)).toEqual({ type: 'executing', promptId: null, node: '2', displayNode: null });
  });

  it('reads execution_error with the trailing newline trimmed (5_execution_error)', () => {
    const error = loadTranscript('5_execution_error').find((r) => r.msg?.type === 'execution_error');
    expect(parseTextMessage(error?.msg)).toMatchObject({
      type: 'execution_error',
      nodeId: '2',
      nodeType: 'RaiseError',
      exceptionType: 'RuntimeError',
      exceptionMessage: 'boom 537872',
      executed: ['1'],
    });
  });

  it('reads executed output images (1_basic)', () => {
    const executed = loadTranscript('1_basic').find((r) => r.msg?.type === 'executed');
    const parsed = parseTextMessage(executed?.msg);
    expect(parsed).toMatchObject({ type: 'executed', node: '3', output: { images: [{ filename: 's1_537872_00001_.png', subfolder: '', type: 'output' }] } });
  });

  it('turns broken frames into malformed or unknown, never a throw', () => {
    expect(parseTextMessage('not json')).toEqual({ type: 'malformed', reason: 'text frame is not JSON' });
    expect(parseTextMessage('[1,2]').type).toBe('malformed');
    expect(parseTextMessage('{"data":{}}').type).toBe('malformed');
    expect(parseTextMessage('{"type":"execution_start","data":{}}')).toEqual({ type: 'malformed', reason: 'execution_start without prompt_id' });
    expect(parseTextMessage('{"type":"progress","data":{"value":"1","max":5}}').type).toBe('malformed');
    expect(parseTextMessage('{"type":"executed","data":{"prompt_id":"p"}}').type).toBe('malformed');
    expect(parseTextMessage(Buffer.from('not json'))).toEqual({ type: 'malformed', reason: 'text frame is not JSON' });
    expect(parseTextMessage('{"type":"display_component","data":{"x":1}}')).toEqual({ type: 'unknown', rawType: 'display_component', data: { x: 1 } });
  });
});

describe('parseBinaryMessage on frames rebuilt from the recorded layouts', () => {
  it('rebuilds every recorded frame at its recorded length', () => {
    expect(new Set(binaryFrames.map(({ record }) => record['event_type']))).toEqual(new Set([1, 3, 4]));
    for (const { record } of binaryFrames) expect(rebuild(record).length).toBe(record['len']);
  });

  it('reads each frame the way the recorded fields describe it', () => {
    for (const { name, record } of binaryFrames) {
      const parsed = parseBinaryMessage(rebuild(record));
      const where = `${name} seq ${record.seq}`;
      if (record['event_type'] === 3) {
        expect(parsed, where).toEqual({ type: 'progress_text', nodeId: record['node_id'], text: record['progress_text'] });
        continue;
      }
      expect(parsed.type, where).toBe('preview');
      if (parsed.type !== 'preview') continue;
      expect(parsed.image.length, where).toBe(record['image_len']);
      expect(parsed.image.subarray(0, 2).toString('hex')).toBe('ffd8');
      expect(parsed.mime).toBe('image/jpeg');
      const metadata = record['metadata'] as Record<string, unknown> | undefined;
      expect(parsed.promptId).toBe(metadata?.['prompt_id'] ?? null);
      expect(parsed.nodeId).toBe(metadata?.['node_id'] ?? null);
    }
  });

  it('takes the format of a type 1 frame from its second word: 2 is PNG', () => {
    const png = Buffer.from('89504e470d0a1a0a', 'hex');
    expect(parseBinaryMessage(encodePreviewFrame(png, 'png'))).toMatchObject({ type: 'preview', mime: 'image/png', promptId: null });
  });

  it('takes the format of a type 4 frame from image_type, with no format word', () => {
    const frame = encodePreviewWithMetadataFrame(Buffer.from('89504e47', 'hex'), { node_id: '9', prompt_id: 'p', image_type: 'image/png' });
    expect(parseBinaryMessage(frame)).toEqual({ type: 'preview', mime: 'image/png', nodeId: '9', promptId: 'p', image: Buffer.from('89504e47', 'hex') });
  });

  it('encodes metadata text as given, so Python spacing survives (166 bytes in 1_basic)', () => {
    const recorded = loadTranscript('1_basic').find((r) => r['event_type'] === 4);
    const frame = encodePreviewWithMetadataFrame(Buffer.alloc(4), pyJson(recorded?.['metadata']));
    expect(frame.subarray(0, 8).toString('hex')).toBe(recorded?.['first8_hex']);
  });

  it('round-trips progress text with multi-byte node ids and text', () => {
    expect(parseBinaryMessage(encodeProgressTextFrame('ノード7', 'étape 1/3'))).toEqual({ type: 'progress_text', nodeId: 'ノード7', text: 'étape 1/3' });
  });

  it('reports short, truncated and unknown frames instead of throwing', () => {
    expect(parseBinaryMessage(Buffer.alloc(0)).type).toBe('malformed');
    expect(parseBinaryMessage(Buffer.from('00000001', 'hex')).type).toBe('malformed');
    expect(parseBinaryMessage(Buffer.from('0000000100000001', 'hex'))).toEqual({ type: 'malformed', reason: 'preview without image bytes' });
    const noImage = encodePreviewWithMetadataFrame(Buffer.alloc(0), { prompt_id: 'p' });
    expect(parseBinaryMessage(noImage)).toEqual({ type: 'malformed', reason: 'preview without image bytes' });
    expect(parseBinaryMessage(Buffer.from('0000000100000009ffd8', 'hex'))).toEqual({ type: 'malformed', reason: 'preview with unknown image format 9' });
    const truncated = Buffer.concat([Buffer.from('00000004000000a6', 'hex'), Buffer.from('{"node_id": "2"}')]);
    expect(parseBinaryMessage(truncated).type).toBe('malformed');
    const notJson = Buffer.concat([Buffer.from('0000000400000003', 'hex'), Buffer.from('abcffd8')]);
    expect(parseBinaryMessage(notJson)).toEqual({ type: 'malformed', reason: 'preview metadata is not JSON' });
    const notObject = Buffer.concat([Buffer.from('0000000400000002', 'hex'), Buffer.from('[]ffd8')]);
    expect(parseBinaryMessage(notObject)).toEqual({ type: 'malformed', reason: 'preview metadata is not an object' });
    const textTooLong = Buffer.concat([Buffer.from('0000000300000010', 'hex'), Buffer.from('2step')]);
    expect(parseBinaryMessage(textTooLong).type).toBe('malformed');
    expect(parseBinaryMessage(Buffer.from('000000020000000100', 'hex'))).toEqual({ type: 'unknown_binary', eventType: 2, length: 9 });
  });
});

const live: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const item of live.splice(0).reverse()) await item.close();
});

describe.each(STANDIN_VERSIONS)('the parsers on every frame a ComfyUI %s stand-in sends for a run', (version) => {
  it('parses each text frame to its own type and each binary frame to a preview, never malformed', async () => {
    const standin = await ComfyStandin.start({ version, stepDelayMs: 2 });
    live.push(standin);
    const socket = await TestSocket.open(standin.url, 'parse-1');
    live.push(socket);
    await socket.waitForText('status');
    socket.sendJson({ type: 'feature_flags', data: { supports_preview_metadata: true } });
    await socket.waitForText('feature_flags');
    const promptId = randomUUID();
    const prompt = {
      '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 9 } },
      '2': { class_type: 'SlowProgress', inputs: { image: ['1', 0], steps: 2 } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'p' } },
    };
    await fetch(`${standin.url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: 'parse-1', prompt_id: promptId }) });
    await socket.finished(promptId);
    const parsed = socket.frames.map((frame) => (frame.kind === 'text' ? parseTextMessage(frame.raw) : parseBinaryMessage(frame.bytes)));
    expect(parsed.filter((message) => message.type === 'malformed' || message.type === 'unknown' || message.type === 'unknown_binary')).toEqual([]);
    expect(new Set(parsed.map((message) => message.type))).toEqual(
      new Set(['status', 'feature_flags', 'execution_start', 'execution_cached', 'progress_state', 'executing', 'progress', 'preview', 'executed', 'execution_success']),
    );
    const activities = parsed.flatMap((message) => (message.type === 'progress_state' ? Object.values(message.nodes).map((node) => node.activity) : []));
    expect(activities.includes('loading')).toBe(version === 'newer');
    const executed = parsed.find((message) => message.type === 'executed');
    expect(executed?.type === 'executed' ? executed.output.images : null).toEqual([{ filename: 'p_00001_.png', subfolder: '', type: 'output' }]);
  });
});
