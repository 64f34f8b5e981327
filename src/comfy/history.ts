import type { RunResult } from '../jobs/run-events.ts';
import type { ComfycordError } from '../errors.ts';
import { parseNodeOutput, type NodeOutput } from './messages.ts';
import { outputsByKind } from './output-kinds.ts';
import { ComfyExecutionError, ComfyInterruptedError } from './errors.ts';

/**
 * `/history/{id}` and `/queue`, read defensively. History is the source of truth for
 * a finished run: the server writes it before it sends `executing {node:null}`, and
 * it is what a client that missed the socket messages can still read.
 */

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
function str(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export interface HistoryEntry {
  promptId: string;
  outputs: Record<string, NodeOutput>;
  /** 'success' | 'error', or null when the server wrote no status (should not happen). */
  statusStr: string | null;
  completed: boolean;
  /** `[event, data]` pairs the server recorded: execution_start … execution_error. */
  messages: Array<[string, Json]>;
}

/** Parses the `{<id>: {...}}` answer; null when the server does not know the prompt. */
export function parseHistory(body: unknown, promptId: string): HistoryEntry | null {
  if (!isObject(body)) return null;
  const entry = body[promptId];
  if (!isObject(entry)) return null;
  const outputs: Record<string, NodeOutput> = {};
  if (isObject(entry['outputs'])) {
    for (const [node, output] of Object.entries(entry['outputs'])) {
      if (isObject(output)) outputs[node] = parseNodeOutput(output);
    }
  }
  const status = isObject(entry['status']) ? entry['status'] : {};
  const messages = Array.isArray(status['messages'])
    ? status['messages'].flatMap((message): Array<[string, Json]> => {
        if (!Array.isArray(message)) return [];
        const [event, data] = message as [unknown, unknown];
        return typeof event === 'string' ? [[event, isObject(data) ? data : {}]] : [];
      })
    : [];
  return { promptId, outputs, statusStr: str(status['status_str']), completed: status['completed'] === true, messages };
}

/** Node ids in execution-independent, stable order: numeric parts compared as numbers ("9" < "10", "5:2" < "5:10"). */
export function compareNodeIds(a: string, b: string): number {
  const left = a.split(/[:.]/);
  const right = b.split(/[:.]/);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const x = left[index];
    const y = right[index];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const nx = Number(x);
    const ny = Number(y);
    const order = Number.isInteger(nx) && Number.isInteger(ny) ? nx - ny : x.localeCompare(y);
    if (order !== 0) return order;
  }
  return 0;
}

/** A finished run's outputs, every kind read once, in stable node order. */
export function runResultOf(promptId: string, outputs: Record<string, NodeOutput>): RunResult {
  const ordered = Object.keys(outputs)
    .sort(compareNodeIds)
    .flatMap((node): Array<[string, NodeOutput]> => {
      const output = outputs[node];
      return output === undefined ? [] : [[node, output]];
    });
  return { promptId, outputs, ...outputsByKind(ordered) };
}

export type HistoryOutcome = { kind: 'success'; result: RunResult } | { kind: 'failed'; error: ComfycordError };

/** What a history entry says about the run; `null` while it is not finished. */
export function historyOutcome(entry: HistoryEntry): HistoryOutcome | null {
  for (const [event, data] of entry.messages) {
    if (event === 'execution_error') {
      return {
        kind: 'failed',
        error: new ComfyExecutionError({
          promptId: entry.promptId,
          nodeId: str(data['node_id']),
          nodeType: str(data['node_type']),
          exceptionType: str(data['exception_type']) ?? 'Error',
          exceptionMessage: (str(data['exception_message']) ?? '').trim(),
        }),
      };
    }
    if (event === 'execution_interrupted') {
      return { kind: 'failed', error: new ComfyInterruptedError(entry.promptId, str(data['node_id']), str(data['node_type'])) };
    }
  }
  if (entry.statusStr === 'success' || entry.completed) {
    return { kind: 'success', result: runResultOf(entry.promptId, entry.outputs) };
  }
  if (entry.statusStr === 'error') {
    const error = new ComfyExecutionError({
      promptId: entry.promptId,
      nodeId: null,
      nodeType: null,
      exceptionType: 'Error',
      exceptionMessage: 'the run ended with an error the server did not describe',
    });
    return { kind: 'failed', error };
  }
  return null;
}

export interface QueueEntry {
  number: number;
  promptId: string;
}

export interface QueueSnapshot {
  running: QueueEntry[];
  pending: QueueEntry[];
}

function queueEntries(value: unknown): QueueEntry[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((item): QueueEntry[] => {
    if (!Array.isArray(item)) return [];
    const [number, promptId] = item as [unknown, unknown];
    return typeof promptId === 'string' ? [{ number: typeof number === 'number' ? number : 0, promptId }] : [];
  });
}

/** `{queue_running, queue_pending}`, pending sorted the way the server will run it (lowest number first). */
export function parseQueue(body: unknown): QueueSnapshot {
  const json = isObject(body) ? body : {};
  const pending = queueEntries(json['queue_pending']).sort((a, b) => a.number - b.number);
  return { running: queueEntries(json['queue_running']), pending };
}

/** Prompts that run before `promptId`: everything running plus pending ones ahead of it; null when absent. */
export function aheadOf(queue: QueueSnapshot, promptId: string): number | null {
  if (queue.running.some((entry) => entry.promptId === promptId)) return 0;
  const index = queue.pending.findIndex((entry) => entry.promptId === promptId);
  return index === -1 ? null : queue.running.length + index;
}
