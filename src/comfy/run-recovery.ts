import { randomUUID } from 'node:crypto';
import type { CancelTimer, Clock } from '../clock.ts';
import type { Logger } from '../log.ts';
import { ComfyBadResponseError, ComfyPromptLostError } from './errors.ts';
import { aheadOf, historyOutcome, type HistoryEntry, type HistoryOutcome } from './history.ts';
import type { ComfyHttp } from './http.ts';
import type { ServerFeatures } from './server-features.ts';
import type { TrackedRun } from './tracked-run.ts';

/**
 * Keeps in-flight runs truthful when the socket cannot be trusted: after a
 * reconnect (resync from /queue + /history), while it is down (poll /history), and
 * now and then while it is up (a socket can be silently detached, docs/comfy-protocol.md,
 * "Silent detach"). Also settles a run at `executing {node:null}` from its history.
 *
 * /queue is read before /history on purpose: ComfyUI moves a prompt from the
 * running list to history under one lock, so in that order a prompt can never look
 * absent from both while it is merely finishing. Where the server has the jobs API,
 * each run's status comes from GET /api/jobs/{id} instead, which reads queue and
 * history in that same order on the server.
 */

export interface RunRecoveryOptions {
  http: ComfyHttp;
  /** Whether to ask GET /api/jobs/{id} rather than /history/{id}. */
  features: ServerFeatures;
  routes: Map<string, TrackedRun>;
  log: Logger;
  clock: Clock;
  pollIntervalMs: number;
  resyncIntervalMs: number;
  /** POSTs the run again under its (new) prompt id. */
  resubmit: (run: TrackedRun) => Promise<unknown>;
  /** Tells the router which prompt runs on the server now (for previews without prompt id). */
  setExecuting: (promptId: string | null) => void;
  /** A run ended without one message reaching us while the socket looked fine. */
  suspectDetached: () => void;
}

export class RunRecovery {
  readonly #options: RunRecoveryOptions;
  readonly #log: Logger;
  #pollTimer: CancelTimer | null = null;
  #watchdogTimer: CancelTimer | null = null;
  #polling = false;
  #resyncing: Promise<void> | null = null;
  #resyncAgain = false;
  #refreshing = false;
  #refreshAgain = false;
  #stopped = false;

  constructor(options: RunRecoveryOptions) {
    this.#options = options;
    this.#log = options.log;
  }

  #inFlight(): TrackedRun[] {
    return [...new Set(this.#options.routes.values())].filter((run) => run.posted && !run.settled);
  }

  socketUp(reconnected: boolean): void {
    this.#clearTimers();
    if (this.#stopped) return;
    if (this.#options.resyncIntervalMs > 0) {
      this.#watchdogTimer = this.#options.clock.every(this.#options.resyncIntervalMs, () => void this.resync('watchdog'));
    }
    if (!reconnected) return;
    const runs = this.#inFlight();
    for (const run of runs) run.emit({ type: 'reconnected' });
    if (runs.length > 0) void this.resync('reconnect');
  }

  socketDown(): void {
    this.#clearTimers();
    if (this.#stopped) return;
    this.#pollTimer = this.#options.clock.every(this.#options.pollIntervalMs, () => void this.#poll());
  }

  stop(): void {
    this.#stopped = true;
    this.#clearTimers();
  }

  #clearTimers(): void {
    this.#pollTimer?.();
    this.#watchdogTimer?.();
    this.#pollTimer = null;
    this.#watchdogTimer = null;
  }

  #settle(run: TrackedRun, outcome: HistoryOutcome): void {
    this.#options.routes.delete(run.promptId);
    if (outcome.kind === 'success') run.succeed(outcome.result);
    else run.fail(outcome.error);
  }

  /** `executing {node:null}` arrived: history is written, read the outputs from it. */
  async finish(run: TrackedRun): Promise<void> {
    if (run.failure !== null) return this.#settle(run, { kind: 'failed', error: run.failure });
    const promptId = run.promptId;
    try {
      const entry = await this.#options.http.history(promptId);
      const outcome = entry === null ? null : historyOutcome(entry);
      if (outcome !== null) return this.#settle(run, outcome);
      if (run.sawSuccess) return this.#settle(run, { kind: 'success', result: run.resultFromMessages });
      const error = new ComfyBadResponseError(this.#options.http.label, 'GET', `/history/${promptId}`, 'no record of a finished prompt');
      this.#settle(run, { kind: 'failed', error });
    } catch (error) {
      if (run.sawSuccess) return this.#settle(run, { kind: 'success', result: run.resultFromMessages });
      this.#log.warn({ promptId, err: error }, 'comfy history unreadable at the end of a run; will retry');
    }
  }

  /** One resync at a time; a request during one runs another right after. */
  resync(reason: 'reconnect' | 'watchdog' | 'submit'): Promise<void> {
    if (this.#resyncing !== null) {
      this.#resyncAgain = true;
      return this.#resyncing;
    }
    this.#resyncing = (async () => {
      do {
        this.#resyncAgain = false;
        await this.#resyncOnce(reason);
        // Both flags change while #resyncOnce awaits: TypeScript's narrowing cannot see that.
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      } while (this.#resyncAgain && !this.#stopped);
    })().finally(() => {
      this.#resyncing = null;
    });
    return this.#resyncing;
  }

  resyncSoon(): void {
    void this.resync('submit');
  }

  async #resyncOnce(reason: string): Promise<void> {
    const runs = this.#inFlight();
    if (runs.length === 0 || this.#stopped) return;
    const { http, routes } = this.#options;
    let queue;
    try {
      queue = await http.queue();
    } catch (error) {
      this.#log.warn({ reason, err: error }, 'comfy resync: /queue unreadable; will retry');
      return;
    }
    this.#options.setExecuting(queue.running.find((entry) => routes.has(entry.promptId))?.promptId ?? null);
    let jobsApi = false;
    try {
      jobsApi = await this.#options.features.jobsApi();
    } catch (error) {
      this.#log.debug({ reason, err: error }, 'comfy resync: jobs API probe failed; reading /history');
    }
    for (const run of runs) {
      const promptId = run.promptId;
      if (run.settled || !run.posted) continue;
      let entry: HistoryEntry | null;
      let known: boolean;
      try {
        ({ entry, known } = await this.#status(promptId, jobsApi));
      } catch (error) {
        this.#log.warn({ reason, promptId, err: error }, `comfy resync: ${jobsApi ? '/api/jobs' : '/history'} unreadable; will retry`);
        return;
      }
      // The run may have settled or been resubmitted during the await above.
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
      if (run.settled || run.promptId !== promptId) continue;
      const outcome = entry === null ? null : historyOutcome(entry);
      if (outcome !== null) {
        this.#log.info({ reason, promptId, result: outcome.kind }, 'comfy resync: run finished while unobserved');
        this.#settle(run, outcome);
        if (reason === 'watchdog') this.#options.suspectDetached();
        continue;
      }
      const running = queue.running.some((item) => item.promptId === promptId);
      const ahead = aheadOf(queue, promptId);
      if (ahead !== null || known) {
        if (reason !== 'watchdog') this.#log.info({ reason, promptId, state: running ? 'running' : 'queued', ahead }, 'comfy resync: still tracking');
        if (running) run.markStarted();
        else run.setAhead(ahead);
        continue;
      }
      await this.#resubmitLost(run, reason);
    }
  }

  /**
   * What the server says of one prompt: its history record (null while unfinished) and
   * whether it knows the prompt at all (queued, running or finished).
   */
  async #status(promptId: string, jobsApi: boolean): Promise<{ entry: HistoryEntry | null; known: boolean }> {
    if (!jobsApi) {
      const entry = await this.#options.http.history(promptId);
      return { entry, known: entry !== null };
    }
    const job = await this.#options.http.job(promptId);
    return job.kind === 'unknown' ? { entry: null, known: false } : { entry: job.entry, known: true };
  }

  async #resubmitLost(run: TrackedRun, reason: string): Promise<void> {
    const lost = run.promptId;
    this.#options.routes.delete(lost);
    if (run.resubmits >= 1) {
      this.#log.error({ reason, promptIds: run.promptIds }, 'comfy prompt lost again after resubmission; giving up');
      run.fail(new ComfyPromptLostError(this.#options.http.label, run.promptIds));
      return;
    }
    run.resubmits += 1;
    run.restartAs(randomUUID());
    this.#log.warn({ reason, lostPromptId: lost, promptId: run.promptId }, 'comfy prompt lost by the server; resubmitting once');
    run.emit({ type: 'resubmitted', reason: 'ComfyUI lost the job (it was probably restarted), so it was submitted again.' });
    try {
      await this.#options.resubmit(run);
    } catch (error) {
      this.#log.error({ promptId: run.promptId, err: error }, 'comfy resubmission failed');
      run.fail(error);
    }
  }

  /** Socket down: look for runs that finished meanwhile. Never resubmits (the server may be down too). */
  async #poll(): Promise<void> {
    if (this.#polling) return;
    this.#polling = true;
    try {
      for (const run of this.#inFlight()) {
        const promptId = run.promptId;
        const entry = await this.#options.http.history(promptId);
        const outcome = entry === null ? null : historyOutcome(entry);
        if (outcome === null || run.settled || run.promptId !== promptId) continue;
        this.#log.info({ promptId, result: outcome.kind }, 'comfy poll: run finished while the socket was down');
        this.#settle(run, outcome);
      }
    } catch (error) {
      this.#log.debug({ err: error }, 'comfy poll: server unreachable');
    } finally {
      this.#polling = false;
    }
  }

  /** Updates `ahead` of every queued run from /queue; coalesces bursts of status messages. */
  refreshQueuePositions(): void {
    if (!this.#inFlight().some((run) => run.phase === 'queued')) return;
    if (this.#refreshing) {
      this.#refreshAgain = true;
      return;
    }
    this.#refreshing = true;
    void (async () => {
      try {
        do {
          this.#refreshAgain = false;
          const queue = await this.#options.http.queue();
          for (const run of this.#inFlight()) {
            // A prompt already running is announced by execution_start, not as "0 ahead".
            if (queue.running.some((entry) => entry.promptId === run.promptId)) continue;
            const ahead = aheadOf(queue, run.promptId);
            if (ahead !== null) run.setAhead(ahead);
          }
          // Both flags change while the queue is read.
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition
        } while (this.#refreshAgain && !this.#stopped);
      } catch (error) {
        this.#log.debug({ err: error }, 'comfy queue position refresh failed');
      } finally {
        this.#refreshing = false;
      }
    })();
  }
}
