/**
 * ComfyUI's WebSocket protocol, parsed once at the edge into typed values.
 *
 * Text frames are `{type, data}` JSON; binary frames start with a big-endian u32
 * event type (see docs/comfy-protocol.md, "Binary frames"). Nothing here throws on input the
 * server may legitimately send: unknown text types become `{type: 'unknown'}`,
 * malformed frames become `{type: 'malformed'}` with a reason, so one odd frame
 * never takes the socket down.
 */

// The output and image types are the core's (src/jobs/run-events.ts): this adapter
// produces them, the core never imports ComfyUI's modules.
import type { ImageMime, NodeOutput } from '../jobs/run-events.ts';
export type { ImageMime, NodeOutput, OutputImage } from '../jobs/run-events.ts';

export interface NodeProgressState {
  value: number;
  max: number;
  state: 'running' | 'finished' | 'error' | string;
  nodeId: string;
  displayNodeId: string | null;
  /** Newer servers: what the running node spends its time on ("loading"); null when absent. */
  activity: string | null;
}

/** An activity is a word or two from the server: anything longer is cut. */
const MAX_ACTIVITY_CHARS = 40;

export type ComfyMessage =
  | { type: 'status'; queueRemaining: number; sid: string | null }
  | { type: 'feature_flags'; flags: Record<string, unknown> }
  | { type: 'execution_start'; promptId: string }
  | { type: 'execution_cached'; promptId: string; nodes: string[] }
  /** `node: null` with a prompt id is the last message of a run: history is written. */
  | { type: 'executing'; promptId: string | null; node: string | null; displayNode: string | null }
  | { type: 'progress'; promptId: string | null; node: string | null; value: number; max: number }
  | { type: 'progress_state'; promptId: string; nodes: Record<string, NodeProgressState> }
  | { type: 'executed'; promptId: string; node: string; displayNode: string | null; output: NodeOutput }
  | { type: 'execution_success'; promptId: string }
  | {
      type: 'execution_error';
      promptId: string;
      nodeId: string | null;
      nodeType: string | null;
      exceptionType: string;
      exceptionMessage: string;
      executed: string[];
    }
  | { type: 'execution_interrupted'; promptId: string; nodeId: string | null; nodeType: string | null; executed: string[] }
  | { type: 'unknown'; rawType: string; data: unknown }
  | { type: 'malformed'; reason: string };

export type ComfyBinaryMessage =
  /** Type 1 (legacy, no prompt id) or type 4 (metadata JSON carries the prompt id). */
  | { type: 'preview'; promptId: string | null; nodeId: string | null; mime: ImageMime; image: Buffer }
  /** Type 3: progress text from a node, broadcast to every socket. */
  | { type: 'progress_text'; nodeId: string; text: string }
  | { type: 'unknown_binary'; eventType: number; length: number }
  | { type: 'malformed'; reason: string };

export const BinaryEventType = {
  PreviewImage: 1,
  UnencodedPreviewImage: 2,
  Text: 3,
  PreviewImageWithMetadata: 4,
} as const;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}
function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
function strList(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * Parses one text frame. Accepts the raw string, the raw bytes (`ws` hands text
 * frames over as a Buffer) or an already-decoded object.
 */
export function parseTextMessage(raw: unknown): ComfyMessage {
  let parsed: unknown = raw;
  if (typeof raw === 'string' || Buffer.isBuffer(raw)) {
    try {
      parsed = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
    } catch {
      return { type: 'malformed', reason: 'text frame is not JSON' };
    }
  }
  if (!isObject(parsed) || typeof parsed['type'] !== 'string') {
    return { type: 'malformed', reason: 'text frame has no string "type"' };
  }
  const rawType = parsed['type'];
  const data = isObject(parsed['data']) ? parsed['data'] : {};
  const promptId = str(data['prompt_id']);
  const needPrompt = (message: ComfyMessage): ComfyMessage =>
    promptId === null ? { type: 'malformed', reason: `${rawType} without prompt_id` } : message;

  switch (rawType) {
    case 'status': {
      const status = isObject(data['status']) ? data['status'] : {};
      const execInfo = isObject(status['exec_info']) ? status['exec_info'] : {};
      return { type: 'status', queueRemaining: num(execInfo['queue_remaining']) ?? 0, sid: str(data['sid']) };
    }
    case 'feature_flags':
      return { type: 'feature_flags', flags: data };
    case 'execution_start':
      return needPrompt({ type: 'execution_start', promptId: promptId ?? '' });
    case 'execution_cached':
      return needPrompt({ type: 'execution_cached', promptId: promptId ?? '', nodes: strList(data['nodes']) });
    case 'executing':
      return { type: 'executing', promptId, node: str(data['node']), displayNode: str(data['display_node']) };
    case 'progress': {
      const value = num(data['value']);
      const max = num(data['max']);
      if (value === null || max === null) return { type: 'malformed', reason: 'progress without numeric value/max' };
      return { type: 'progress', promptId, node: str(data['node']), value, max };
    }
    case 'progress_state': {
      const nodes: Record<string, NodeProgressState> = {};
      const rawNodes = isObject(data['nodes']) ? data['nodes'] : {};
      for (const [id, node] of Object.entries(rawNodes)) {
        if (!isObject(node)) continue;
        nodes[id] = {
          value: num(node['value']) ?? 0,
          max: num(node['max']) ?? 1,
          state: str(node['state']) ?? 'running',
          nodeId: str(node['node_id']) ?? id,
          displayNodeId: str(node['display_node_id']),
          activity: str(node['activity'])?.trim().slice(0, MAX_ACTIVITY_CHARS) || null,
        };
      }
      return needPrompt({ type: 'progress_state', promptId: promptId ?? '', nodes });
    }
    case 'executed': {
      const node = str(data['node']);
      if (node === null) return { type: 'malformed', reason: 'executed without node' };
      const output = isObject(data['output']) ? parseNodeOutput(data['output']) : {};
      return needPrompt({ type: 'executed', promptId: promptId ?? '', node, displayNode: str(data['display_node']), output });
    }
    case 'execution_success':
      return needPrompt({ type: 'execution_success', promptId: promptId ?? '' });
    case 'execution_error':
      return needPrompt({
        type: 'execution_error',
        promptId: promptId ?? '',
        nodeId: str(data['node_id']),
        nodeType: str(data['node_type']),
        exceptionType: str(data['exception_type']) ?? 'Error',
        exceptionMessage: (str(data['exception_message']) ?? '').trim(),
        executed: strList(data['executed']),
      });
    case 'execution_interrupted':
      return needPrompt({
        type: 'execution_interrupted',
        promptId: promptId ?? '',
        nodeId: str(data['node_id']),
        nodeType: str(data['node_type']),
        executed: strList(data['executed']),
      });
    default:
      return { type: 'unknown', rawType, data: parsed['data'] };
  }
}

/** Keeps `images` typed and everything else a node returned as-is. */
export function parseNodeOutput(raw: Json): NodeOutput {
  const output: NodeOutput = { ...raw };
  if (Array.isArray(raw['images'])) {
    output.images = raw['images'].filter(isObject).flatMap((image) => {
      const filename = str(image['filename']);
      if (filename === null) return [];
      return [{ filename, subfolder: str(image['subfolder']) ?? '', type: str(image['type']) ?? 'output' }];
    });
  } else {
    delete output.images;
  }
  return output;
}

const FORMAT_MIME: Record<number, ImageMime> = { 1: 'image/jpeg', 2: 'image/png' };

function mimeOf(value: unknown): ImageMime {
  return value === 'image/png' || value === 'image/webp' ? value : 'image/jpeg';
}

/** Parses one binary frame; the image bytes are a view into `frame`, not a copy. */
export function parseBinaryMessage(frame: Buffer): ComfyBinaryMessage {
  if (frame.length < 8) return { type: 'malformed', reason: `binary frame of ${frame.length} bytes is too short` };
  const eventType = frame.readUInt32BE(0);
  switch (eventType) {
    case BinaryEventType.PreviewImage: {
      const format = frame.readUInt32BE(4);
      const mime = FORMAT_MIME[format];
      if (mime === undefined) return { type: 'malformed', reason: `preview with unknown image format ${format}` };
      if (frame.length === 8) return { type: 'malformed', reason: 'preview without image bytes' };
      return { type: 'preview', promptId: null, nodeId: null, mime, image: frame.subarray(8) };
    }
    case BinaryEventType.PreviewImageWithMetadata: {
      const metadataLength = frame.readUInt32BE(4);
      if (8 + metadataLength > frame.length) {
        return { type: 'malformed', reason: `preview metadata length ${metadataLength} exceeds frame of ${frame.length} bytes` };
      }
      let metadata: unknown;
      try {
        metadata = JSON.parse(frame.subarray(8, 8 + metadataLength).toString('utf8'));
      } catch {
        return { type: 'malformed', reason: 'preview metadata is not JSON' };
      }
      if (!isObject(metadata)) return { type: 'malformed', reason: 'preview metadata is not an object' };
      if (frame.length === 8 + metadataLength) return { type: 'malformed', reason: 'preview without image bytes' };
      return {
        type: 'preview',
        promptId: str(metadata['prompt_id']),
        nodeId: str(metadata['node_id']),
        mime: mimeOf(metadata['image_type']),
        image: frame.subarray(8 + metadataLength),
      };
    }
    case BinaryEventType.Text: {
      const nodeIdLength = frame.readUInt32BE(4);
      if (8 + nodeIdLength > frame.length) {
        return { type: 'malformed', reason: `progress text node id length ${nodeIdLength} exceeds frame` };
      }
      return {
        type: 'progress_text',
        nodeId: frame.subarray(8, 8 + nodeIdLength).toString('utf8'),
        text: frame.subarray(8 + nodeIdLength).toString('utf8'),
      };
    }
    default:
      return { type: 'unknown_binary', eventType, length: frame.length };
  }
}

/** Encoders, used by the ComfyUI stand-in in tests and by nothing in production. */
export function encodePreviewFrame(image: Buffer, format: 'jpeg' | 'png' = 'jpeg'): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(BinaryEventType.PreviewImage, 0);
  header.writeUInt32BE(format === 'png' ? 2 : 1, 4);
  return Buffer.concat([header, image]);
}

/**
 * `metadata` may be pre-serialised JSON text: ComfyUI writes it with Python's
 * `json.dumps` spacing, so a faithful stand-in passes its own text (166 bytes in
 * 1_basic.jsonl, where JSON.stringify would give 155).
 */
export function encodePreviewWithMetadataFrame(image: Buffer, metadata: Record<string, unknown> | string): Buffer {
  const json = Buffer.from(typeof metadata === 'string' ? metadata : JSON.stringify(metadata), 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(BinaryEventType.PreviewImageWithMetadata, 0);
  header.writeUInt32BE(json.length, 4);
  return Buffer.concat([header, json, image]);
}

export function encodeProgressTextFrame(nodeId: string, text: string): Buffer {
  const id = Buffer.from(nodeId, 'utf8');
  const header = Buffer.alloc(8);
  header.writeUInt32BE(BinaryEventType.Text, 0);
  header.writeUInt32BE(id.length, 4);
  return Buffer.concat([header, id, Buffer.from(text, 'utf8')]);
}
