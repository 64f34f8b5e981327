import { randomUUID } from 'node:crypto';
import type { WebSocket } from 'ws';
import type { Catalogue } from './catalogue.ts';
import { Aborted, type Controls } from './controls.ts';
import type { FileStore } from './files.ts';
import { PromptQueue, type QueueItem } from './queue.ts';
import { runPrompt, type RunStatus } from './run-prompt.ts';
import { OutputCache } from './schedule.ts';
import { SocketTable } from './sockets.ts';
import type { Dialect } from './dialect.ts';
import { isPlainObject } from './validate.ts';

/**
 * Everything a ComfyUI process holds in memory and loses on restart: the queue,
 * the socket table, the cache, the prompt counter, which client is running and
 * the interrupt flag. Files and history storage belong to the stand-in; a restart
 * kills this object and makes a new one.
 */

export interface ProcessHost {
  readonly catalogue: Catalogue;
  readonly files: FileStore;
  readonly controls: Controls;
  readonly dialect: Dialect;
  /** Read on every use: a test may replace the stand-in's `history` map. */
  history(): Map<string, unknown>;
  emitStart(promptId: string): void;
  emitDone(promptId: string, status: RunStatus): void;
  /** A sampler step was reported (progress sent), for benchmarks timing what follows. */
  emitProgress?(promptId: string, node: string, value: number, max: number): void;
  /** A preview frame was sent, for tests that compare what the bot shows with it. */
  emitPreview?(promptId: string, node: string, image: Buffer): void;
}

export class ComfyProcess {
  readonly host: ProcessHost;
  readonly sockets = new SocketTable();
  readonly cache = new OutputCache();
  readonly queue: PromptQueue;
  /** ComfyUI's `PromptServer.number`: consumed by every POST /prompt that has a prompt. */
  number = 0;
  /** `server.client_id`: the client of the prompt running (or last run). */
  clientId: string | null = null;
  /** `server.last_node_id`: the node whose `executing` was sent last, while running. */
  lastNodeId: string | null = null;
  interrupted = false;
  #dead = false;

  constructor(host: ProcessHost) {
    this.host = host;
    this.queue = new PromptQueue(() => this.send('status', { status: this.queueInfo() }, null));
    void this.#loop();
  }

  get dead(): boolean {
    return this.#dead;
  }

  kill(): void {
    this.#dead = true;
    this.sockets.clear();
    this.host.controls.wake.notify();
  }

  /** After any await that is not `until`: a killed process must not carry on. */
  assertAlive(): void {
    if (this.#dead) throw new Aborted();
  }

  queueInfo(): { exec_info: { queue_remaining: number } } {
    return { exec_info: { queue_remaining: this.queue.remaining() } };
  }

  send(type: string, data: unknown, sid: string | null): void {
    if (!this.#dead) this.sockets.sendJson(type, data, sid);
  }

  sendBinary(frame: Buffer, sid: string | null): void {
    if (!this.#dead) this.sockets.sendBinary(frame, sid);
  }

  enqueue(item: QueueItem): void {
    this.queue.put(item);
    this.host.controls.wake.notify();
  }

  /** POST /interrupt: global, or only if `promptId` is the one running. */
  interrupt(promptId: string | null): void {
    if (promptId !== null && this.queue.running?.promptId !== promptId) return;
    this.interrupted = true;
    this.host.controls.wake.notify();
  }

  /** `PromptQueue.interrupt_if_running` of newer servers: atomic, and says whether it fired. */
  interruptIfRunning(promptId: string): boolean {
    if (this.queue.running?.promptId !== promptId) return false;
    this.interrupt(promptId);
    return true;
  }

  /** Waits for `condition`; throws Aborted once the process is killed. */
  async until(condition: () => boolean): Promise<void> {
    while (!this.#dead && !condition()) await this.host.controls.wake.next();
    if (this.#dead) throw new Aborted();
  }

  /**
   * Between sampler steps: a timer, or a `step()` credit with manualSteps. Interrupts
   * cut it short. With `dueAt` (epoch ms) the timer aims at that instant instead of
   * waiting stepDelayMs, so a late timer does not delay every later step too.
   */
  async waitStep(dueAt?: number): Promise<void> {
    const controls = this.host.controls;
    if (controls.manualSteps) {
      await this.until(() => this.interrupted || (!controls.paused && controls.stepCredits > 0));
      if (!this.interrupted) controls.takeStep();
      return;
    }
    let elapsed = false;
    const timer = setTimeout(() => {
      elapsed = true;
      controls.wake.notify();
    }, dueAt === undefined ? controls.stepDelayMs : Math.max(0, dueAt - Date.now()));
    try {
      await this.until(() => this.interrupted || (elapsed && !controls.paused));
    } finally {
      clearTimeout(timer);
    }
  }

  attachSocket(ws: WebSocket, clientId: string): void {
    const sid = clientId === '' ? randomUUID().replace(/-/g, '') : clientId;
    this.sockets.attach(sid, ws);
    this.send('status', { status: this.queueInfo(), sid }, sid);
    if (this.clientId === sid && this.lastNodeId !== null) this.send('executing', { node: this.lastNodeId }, sid);
    let first = true;
    ws.on('message', (data, isBinary) => {
      if (isBinary || this.#dead) return;
      let message: unknown;
      try {
        message = JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'));
      } catch {
        return;
      }
      if (first && isPlainObject(message) && message['type'] === 'feature_flags') {
        this.sockets.setFlags(sid, isPlainObject(message['data']) ? message['data'] : {});
        this.send('feature_flags', this.host.dialect.features(), sid);
      }
      first = false;
    });
    ws.on('close', () => {
      if (!this.#dead) this.sockets.detach(sid);
    });
  }

  async #loop(): Promise<void> {
    const controls = this.host.controls;
    try {
      for (;;) {
        await this.until(() => !controls.paused && this.queue.hasPending());
        const item = this.queue.take();
        if (item === undefined) continue;
        this.host.emitStart(item.promptId);
        const status = await runPrompt(this, item);
        this.assertAlive();
        this.queue.finish();
        if (this.clientId !== null) this.send('executing', { node: null, prompt_id: item.promptId }, this.clientId);
        this.host.emitDone(item.promptId, status);
      }
    } catch (error) {
      if (!(error instanceof Aborted)) throw error;
    }
  }
}
