import type { Graph } from './validate.ts';

/**
 * ComfyUI's PromptQueue: a priority queue on `number` (ties by prompt id, as
 * Python compares the tuples), one running prompt, and a status broadcast on every
 * change. `queue_remaining` counts the running prompt plus the pending ones.
 */

export interface QueueItem {
  number: number;
  promptId: string;
  prompt: Graph;
  /** Without the Comfy.org tokens, which ComfyUI keeps out of /queue and /history. */
  extraData: Record<string, unknown>;
  outputs: string[];
  /** Fault mode: the first node to run raises this instead of running. */
  failure?: { exceptionType: string; exceptionMessage: string };
}

export type QueueRow = [number, string, Graph, Record<string, unknown>, string[]];

export const MAXIMUM_HISTORY_SIZE = 10000;

function row(item: QueueItem): QueueRow {
  return [item.number, item.promptId, item.prompt, item.extraData, item.outputs];
}

export class PromptQueue {
  readonly #pending: QueueItem[] = [];
  readonly #onChange: () => void;
  running: QueueItem | null = null;

  /** `onChange` broadcasts the status, exactly once per call as ComfyUI does. */
  constructor(onChange: () => void) {
    this.#onChange = onChange;
  }

  put(item: QueueItem): void {
    const at = this.#pending.findIndex(
      (other) => other.number > item.number || (other.number === item.number && other.promptId > item.promptId),
    );
    this.#pending.splice(at === -1 ? this.#pending.length : at, 0, item);
    this.#onChange();
  }

  hasPending(): boolean {
    return this.#pending.length > 0;
  }

  take(): QueueItem | undefined {
    const item = this.#pending.shift();
    if (item === undefined) return undefined;
    this.running = item;
    this.#onChange();
    return item;
  }

  /** After the history entry is written. */
  finish(): void {
    this.running = null;
    this.#onChange();
  }

  /** The pending prompts in run order. */
  pendingItems(): readonly QueueItem[] {
    return this.#pending;
  }

  remaining(): number {
    return this.#pending.length + (this.running === null ? 0 : 1);
  }

  rows(): { queue_running: QueueRow[]; queue_pending: QueueRow[] } {
    return {
      queue_running: this.running === null ? [] : [row(this.running)],
      queue_pending: this.#pending.map(row),
    };
  }

  /** Deleting the last pending prompt broadcasts twice (wipe_queue, then the delete). */
  delete(promptId: string): boolean {
    const at = this.#pending.findIndex((item) => item.promptId === promptId);
    if (at === -1) return false;
    if (this.#pending.length === 1) this.wipe();
    else this.#pending.splice(at, 1);
    this.#onChange();
    return true;
  }

  wipe(): void {
    this.#pending.length = 0;
    this.#onChange();
  }
}
