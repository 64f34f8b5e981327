import type { ComfycordError } from '../errors.ts';
import { detectImageFormat } from '../images/image-format.ts';
import type { Logger } from '../log.ts';
import type { RunEvent, RunResult } from '../jobs/run-events.ts';
import type { ComfyBinaryMessage, ComfyMessage, NodeOutput } from './messages.ts';
import { ComfyCancelledError, ComfyExecutionError, ComfyInterruptedError } from './errors.ts';
import { runResultOf } from './history.ts';
import type { ApiGraph } from '../workflows/graph.ts';

/**
 * One prompt as this client follows it: turns the socket messages routed to it into
 * RunEvents, remembers what the end of the run needs (failure, outputs seen), and
 * owns the `done` promise. Knows nothing about HTTP or reconnects; ComfyServer does.
 */

export type RunPhase = 'submitting' | 'queued' | 'running' | 'settled';

export class TrackedRun {
  promptId: string;
  readonly graph: ApiGraph;
  readonly done: Promise<RunResult>;
  /** Every prompt id this run has had, oldest first (resubmission adds one). */
  readonly promptIds: string[];
  phase: RunPhase = 'submitting';
  /** POST /prompt answered 200 for the current prompt id. */
  posted = false;
  cancelRequested = false;
  resubmits = 0;
  /** Set by execution_error / execution_interrupted; delivered at `executing null`. */
  failure: ComfycordError | null = null;
  sawSuccess = false;
  /** `extra_data.preview_method` for every POST of this run. */
  previewMethod = 'auto';

  readonly #onEvent: (event: RunEvent) => void;
  readonly #log: Logger;
  readonly #graphSize: number;
  #resolve!: (result: RunResult) => void;
  #reject!: (error: unknown) => void;
  #cached = new Set<string>();
  #nodesStarted: string[] = [];
  /** The last activity each node reported (progress_state repeats it on every update). */
  #activities = new Map<string, string>();
  #outputs: Record<string, NodeOutput> = {};
  #lastAhead: number | null | undefined;

  constructor(promptId: string, graph: ApiGraph, onEvent: (event: RunEvent) => void, log: Logger) {
    this.promptId = promptId;
    this.promptIds = [promptId];
    this.graph = graph;
    this.#graphSize = Object.keys(graph).length;
    this.#onEvent = onEvent;
    this.#log = log;
    this.done = new Promise<RunResult>((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    // Callers that only await `accepted` must not see an unhandled rejection here.
    this.done.catch(() => undefined);
  }

  get settled(): boolean {
    return this.phase === 'settled';
  }

  /** Outputs as the `executed` messages reported them (history is preferred when readable). */
  get resultFromMessages(): RunResult {
    return runResultOf(this.promptId, this.#outputs);
  }

  emit(event: RunEvent): void {
    if (this.settled) return;
    try {
      this.#onEvent(event);
    } catch (error) {
      this.#log.error({ err: error, promptId: this.promptId, event: event.type }, 'run event listener threw');
    }
  }

  succeed(result: RunResult): void {
    if (this.settled) return;
    this.phase = 'settled';
    this.#resolve(result);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.phase = 'settled';
    this.#reject(error);
  }

  /** A new prompt id after the server lost the old one: progress starts over. */
  restartAs(promptId: string): void {
    this.promptId = promptId;
    this.promptIds.push(promptId);
    this.phase = 'submitting';
    this.posted = false;
    this.failure = null;
    this.sawSuccess = false;
    this.#cached = new Set();
    this.#nodesStarted = [];
    this.#activities = new Map();
    this.#outputs = {};
    this.#lastAhead = undefined;
  }

  accepted(): void {
    this.posted = true;
    if (this.phase === 'submitting') this.phase = 'queued';
  }

  setAhead(ahead: number | null): void {
    if (this.phase !== 'queued' || ahead === this.#lastAhead) return;
    this.#lastAhead = ahead;
    this.emit({ type: 'queued', ahead });
  }

  markStarted(): void {
    if (this.phase !== 'submitting' && this.phase !== 'queued') return;
    this.phase = 'running';
    this.emit({ type: 'started' });
  }

  /** A node began; each node is reported once, numbered among the nodes that run. */
  nodeStarted(node: string): void {
    if (this.#cached.has(node) || this.#nodesStarted.includes(node)) return;
    this.markStarted();
    this.#nodesStarted.push(node);
    const index = this.#nodesStarted.length;
    const total = Math.max(this.#graphSize - this.#cached.size, index);
    const classType = this.graph[node]?.class_type;
    this.emit({ type: 'node', node, classType: typeof classType === 'string' ? classType : null, index, total });
  }

  /**
   * Handles a message routed to this run. Returns true for `executing {node:null}`:
   * the run is over and its history is written.
   */
  /** An activity event when what `node` reports doing changed (null: it stopped saying). */
  #noteActivity(node: string, activity: string | null): void {
    if ((this.#activities.get(node) ?? null) === activity) return;
    if (activity === null) this.#activities.delete(node);
    else this.#activities.set(node, activity);
    this.emit({ type: 'activity', node, activity });
  }

  handle(message: ComfyMessage): boolean {
    switch (message.type) {
      case 'execution_start':
        this.markStarted();
        return false;
      case 'execution_cached':
        for (const node of message.nodes) this.#cached.add(node);
        if (message.nodes.length > 0) this.emit({ type: 'cached', nodes: message.nodes });
        return false;
      case 'executing':
        if (message.node === null) return message.promptId !== null;
        this.nodeStarted(message.node);
        return false;
      case 'progress_state': {
        // Cumulative: after a reconnect it tells which nodes ran while we were away.
        const entries = Object.values(message.nodes).filter((node) => !this.#cached.has(node.nodeId));
        for (const node of entries) {
          if (node.state !== 'running' && !this.#nodesStarted.includes(node.nodeId)) this.#nodesStarted.push(node.nodeId);
        }
        for (const node of entries) if (node.state === 'running') this.nodeStarted(node.nodeId);
        for (const node of entries) this.#noteActivity(node.nodeId, node.state === 'running' ? node.activity : null);
        return false;
      }
      case 'progress':
        this.markStarted();
        this.emit({ type: 'progress', node: message.node, value: message.value, max: message.max });
        return false;
      case 'executed':
        this.#outputs[message.node] = message.output;
        this.emit({ type: 'output', node: message.node, output: message.output });
        return false;
      case 'execution_success':
        this.sawSuccess = true;
        return false;
      case 'execution_error':
        this.failure = new ComfyExecutionError({
          promptId: message.promptId,
          nodeId: message.nodeId,
          nodeType: message.nodeType,
          exceptionType: message.exceptionType,
          exceptionMessage: message.exceptionMessage,
        });
        return false;
      case 'execution_interrupted':
        this.failure = this.cancelRequested
          ? new ComfyCancelledError(message.promptId, 'running')
          : new ComfyInterruptedError(message.promptId, message.nodeId, message.nodeType);
        return false;
      default:
        return false;
    }
  }

  handleBinary(message: ComfyBinaryMessage): void {
    // A preview whose bytes are not the image they claim would be uploaded to Discord as a broken file.
    if (message.type === 'preview') {
      if (detectImageFormat(message.image) !== undefined) this.emit({ type: 'preview', mime: message.mime, image: message.image });
      else this.#log.debug({ promptId: this.promptId, bytes: message.image.length }, 'comfy preview is not an image; dropped');
    }
    else if (message.type === 'progress_text') this.emit({ type: 'progress_text', node: message.nodeId, text: message.text });
  }
}
