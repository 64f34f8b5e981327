import type { Client } from 'discord.js';
import { doneState, type ResultFiles } from './result-files.ts';
import type { ComfyServer } from '../comfy/server.ts';
import { userMessageOf } from '../errors.ts';
import type { Job } from '../jobs/job.ts';
import { isFinished, recordDeliveredUrl, recordDelivery, recordReply } from '../jobs/job-state.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { RunProgress } from '../jobs/progress.ts';
import type { Scheduler, SchedulerUpdate } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';
import { expectsFinalSoon, renderJobView, type JobViewState } from './progress-view.ts';
import { jobInfo } from './job-info.ts';
// /show reaches it here: src/commands may import this module (a known layer exception), not a new one.
export { jobInfo } from './job-info.ts';
import { fromStoredHandle, toStoredHandle } from './reply-handle.ts';
import type { ReplyEditor } from './reply-editor.ts';
import { createReplyTarget, observeChannelRateLimits, type DeliveredMessage, type EarlierReply } from './reply-routes.ts';
import { pointerView } from './earlier-reply.ts';
import { fetchResultFiles } from './fetch-results.ts';
import { PositionRedraws } from './position-redraws.ts';

/** How long place-in-line changes are gathered before messages are redrawn. */
const POSITIONS_DELAY_MS = 200;

/** The ComfyUI servers by name (the app's ServerPool): whose socket state and results replies follow. */
export interface ServerLookup {
  names(): string[];
  get(name: string): ComfyServer | undefined;
}

export interface JobRepliesOptions {
  client: Client;
  scheduler: Scheduler;
  editor: ReplyEditor;
  store: JobStore;
  pool: ServerLookup;
  apiBase: string | null;
  logger: Logger;
  /** Fetching a finished job's images from ComfyUI, retries included, ends failed after this (DELIVERY_TIMEOUT_SECONDS). */
  deliveryTimeoutMs: number;
  /** Told once a job's final message reached Discord (deliveredAt set), e.g. for the delivery-latency metric. */
  onDelivered?: (job: Job) => void;
  /** How long a template's runs usually take (RunTimes), said while a job waits; null when unknown. */
  typicalRunMs?: (template: string) => number | null;
}

/**
 * The renderer end of the pipeline: follows scheduler updates and keeps each job's
 * Discord message in step — queued with its place in line, running with progress and
 * previews, then the final images and buttons (or the failure in words). Every edit
 * goes through the ReplyEditor, which owns rate limits and retries; the final one is
 * awaited and never dropped.
 */
export class JobReplies {
  readonly #o: JobRepliesOptions;
  readonly #progress = new Map<string, RunProgress>();
  readonly #finals = new Set<Promise<void>>();
  readonly #unsubscribe: Array<() => void> = [];
  #positionsTimer: { cancel: () => void; at: number } | null = null;
  /** The place in line each waiting job's message last showed, and when. */
  readonly #positions = new PositionRedraws();
  /** Why a job is back in line (its server was lost), shown while it waits. */
  readonly #notes = new Map<string, string>();
  /** Replies whose view had to be posted anew: told where the result went once it is there. */
  readonly #earlier = new Map<string, EarlierReply>();

  constructor(options: JobRepliesOptions) {
    this.#o = options;
    this.#unsubscribe.push(options.scheduler.subscribe((update) => this.#onUpdate(update)));
    this.#unsubscribe.push(observeChannelRateLimits(options.client, options.editor.routeLimits));
    // A server that drops sends no event to its runs; without this their messages would freeze mid-bar.
    for (const name of options.pool.names()) {
      const server = options.pool.get(name);
      if (!server) continue;
      const onState = (state: string) => {
        if (state === 'reconnecting') this.#onServerLost(name);
      };
      server.on('state', onState);
      this.#unsubscribe.push(() => server.off('state', onState));
    }
  }

  /** Waits for every final edit under way (shutdown). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.#finals]);
  }

  close(): void {
    this.#positionsTimer?.cancel();
    this.#positionsTimer = null;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
  }

  /** The view of a job as it stands, for /show and for a restarted bot. */
  async showFinal(job: Job): Promise<void> {
    if (isFinished(job)) await this.#deliverFinal(job);
  }

  #onUpdate(update: SchedulerUpdate): void {
    switch (update.type) {
      case 'status':
        return this.#onStatus(update.job);
      case 'event': {
        const progress = this.#progressOf(update.job.id);
        progress.apply(update.event);
        this.#show(update.job, { kind: 'running', progress: progress.snapshot() });
        return;
      }
      case 'positions':
        this.#schedulePositions();
        return;
      case 'requeued': {
        this.#o.logger.info({ jobId: update.job.id, reason: update.reason }, 'job requeued to run again');
        // The user is told why the bar starts over: the new run's progress carries the note.
        const note = update.note ?? `the ComfyUI server running it was lost (${update.reason}); it runs again on another server`;
        const progress = new RunProgress();
        progress.apply({ type: 'resubmitted', reason: note });
        this.#progress.set(update.job.id, progress);
        this.#notes.set(update.job.id, note);
        // Back in line: the message must stop showing the run that was lost.
        const place = this.#o.scheduler.position(update.job.id);
        if (place) this.#showPlace(update.job, place, note);
        return;
      }
    }
  }

  /**
   * Places in line change on every enqueue and start; with hundreds waiting, redrawing
   * each message per change would be quadratic. Changes are gathered for a moment, and
   * a message is redrawn when its place changed and its last drawing is old enough for
   * its distance from the front (src/discord/position-redraws.ts). Changes held back get
   * a pass of their own later, so no place stays wrong once the line stops moving.
   */
  #schedulePositions(delayMs = POSITIONS_DELAY_MS): void {
    const at = Date.now() + delayMs;
    if (this.#positionsTimer !== null) {
      if (this.#positionsTimer.at <= at) return;
      this.#positionsTimer.cancel();
    }
    const timer = setTimeout(() => {
      this.#positionsTimer = null;
      const waiting = this.#o.scheduler.waiting();
      const plan = this.#positions.plan(waiting, Date.now());
      for (const { job, position, total } of plan.redraw) {
        const note = this.#notes.get(job.id);
        this.#show(job, { kind: 'waiting', position, total, ...(note ? { note } : {}) });
      }
      const still = new Set(waiting.map((job) => job.id));
      for (const jobId of this.#notes.keys()) if (!still.has(jobId)) this.#notes.delete(jobId);
      if (plan.nextPassInMs !== null) this.#schedulePositions(plan.nextPassInMs);
    }, delayMs);
    timer.unref();
    this.#positionsTimer = { cancel: () => clearTimeout(timer), at };
  }

  /** Draws a waiting job's place now (it just joined or rejoined the line) and remembers it. */
  #showPlace(job: Job, place: { position: number; total: number }, note?: string): void {
    this.#positions.drawn(job.id, place, Date.now());
    this.#show(job, { kind: 'waiting', ...place, ...(note ? { note } : {}) });
  }

  #onStatus(job: Job): void {
    switch (job.status) {
      case 'queued': {
        const place = this.#o.scheduler.position(job.id);
        if (place) this.#showPlace(job, place);
        return;
      }
      case 'submitted':
      case 'running':
        this.#show(job, { kind: 'running', progress: this.#progressOf(job.id).snapshot() });
        return;
      default: {
        const final = this.#deliverFinal(job).finally(() => this.#finals.delete(final));
        this.#finals.add(final);
      }
    }
  }

  /** Jobs on a server whose socket just dropped show that they are waiting for it to come back. */
  #onServerLost(server: string): void {
    for (const job of this.#o.scheduler.pending()) {
      if (job.server !== server || (job.status !== 'submitted' && job.status !== 'running')) continue;
      const progress = this.#progressOf(job.id);
      progress.apply({ type: 'reconnected' });
      this.#show(job, { kind: 'running', progress: progress.snapshot() });
    }
  }

  #progressOf(jobId: string): RunProgress {
    let progress = this.#progress.get(jobId);
    if (!progress) {
      progress = new RunProgress();
      this.#progress.set(jobId, progress);
    }
    return progress;
  }

  /** Tracks the job's message in the editor if it has one; returns its key. */
  #track(job: Job): string | null {
    const handle = fromStoredHandle(job.reply);
    if (handle === null) return null;
    const key = `job:${job.id}`;
    if (!this.#o.editor.isTracked(key)) {
      const target = createReplyTarget({
        client: this.#o.client,
        handle,
        apiBase: this.#o.apiBase,
        logger: this.#o.logger,
        messageKey: key,
        limits: this.#o.editor.routeLimits,
        onDelivered: (message) => this.#remember(job, handle, message),
        onReposted: (earlier) => this.#earlier.set(job.id, earlier),
      });
      this.#o.editor.track(key, target);
    }
    return key;
  }

  #show(job: Job, state: JobViewState): void {
    const key = this.#track(job);
    if (key === null) return;
    const typicalMs = this.#o.typicalRunMs?.(job.spec.template) ?? null;
    const shown = typicalMs !== null && (state.kind === 'waiting' || state.kind === 'running') ? { ...state, typicalMs } : state;
    this.#o.editor.update(key, renderJobView(jobInfo(job, (id) => this.#o.store.get(id)), shown), { finalSoon: expectsFinalSoon(state) });
  }

  async #deliverFinal(job: Job): Promise<void> {
    const key = this.#track(job);
    // The run's last live preview: a video's poster when nothing can decode the video.
    const lastPreview = this.#progress.get(job.id)?.snapshot().preview?.image ?? null;
    this.#progress.delete(job.id);
    if (key === null) return;
    const state = await this.#finalState(job, lastPreview);
    const view = renderJobView(jobInfo(job, (id) => this.#o.store.get(id)), state);
    try {
      await this.#o.editor.update(key, view, { final: true });
      recordDelivery(job, Date.now());
      this.#o.store.save(job);
      this.#o.onDelivered?.(job);
    } catch (error) {
      this.#o.logger.error({ jobId: job.id, err: error }, 'final reply could not be delivered');
    } finally {
      this.#o.editor.untrack(key);
    }
    await this.#pointEarlierReply(job, key, view);
  }

  /**
   * The result went out as a new message: the earlier reply, which still shows the
   * job queued or running, is edited to say it is over and where the result is.
   * Best effort, bounded by the editor's retry policy; never posts.
   */
  async #pointEarlierReply(job: Job, key: string, view: ReturnType<typeof renderJobView>): Promise<void> {
    const earlier = this.#earlier.get(job.id);
    this.#earlier.delete(job.id);
    const handle = fromStoredHandle(job.reply);
    if (earlier === undefined || handle === null || handle.messageId === null) return;
    const earlierKey = `${key}:earlier`;
    this.#o.editor.track(earlierKey, earlier.sink);
    const link = `https://discord.com/channels/${job.guildId ?? '@me'}/${handle.channelId ?? ''}/${handle.messageId}`;
    try {
      await this.#o.editor.update(earlierKey, pointerView(view, link), { final: true });
    } catch (error) {
      this.#o.logger.warn({ jobId: job.id, err: error }, 'the earlier reply could not be pointed to the result');
    } finally {
      this.#o.editor.untrack(earlierKey);
    }
  }

  /**
   * A finished job's files fetched again for another message (/show): fitted to that
   * message's limit, with the retries and the DELIVERY_TIMEOUT_SECONDS bound of a delivery.
   */
  refetch(job: Job, server: ComfyServer, target: { sizeLimit: number | null; spoiler: boolean }): Promise<ResultFiles> {
    return fetchResultFiles(job, server, { ...target, timeoutMs: this.#o.deliveryTimeoutMs });
  }

  async #finalState(job: Job, lastPreview: Buffer | null): Promise<JobViewState> {
    if (job.status === 'failed') return { kind: 'failed', userMessage: job.failure?.userMessage ?? 'The job failed.' };
    if (job.status === 'cancelled') return { kind: 'cancelled' };
    const elapsedMs = (job.finishedAt ?? Date.now()) - job.createdAt;
    const server = job.server === null ? undefined : this.#o.pool.get(job.server);
    const handle = fromStoredHandle(job.reply);
    if (!server) return { kind: 'failed', userMessage: 'The images were made, but the ComfyUI server that has them is not configured any more.' };
    try {
      const result = await fetchResultFiles(job, server, {
        sizeLimit: handle?.sizeLimit ?? null,
        spoiler: handle?.spoiler ?? false,
        lastPreview,
        timeoutMs: this.#o.deliveryTimeoutMs,
        onRetry: (error, waitMs) => this.#o.logger.warn({ jobId: job.id, err: error, waitMs }, 'result fetch failed; retrying'),
      });
      this.#o.logger.info({ jobId: job.id, images: job.images.length, ...result.timings }, 'result ready for Discord');
      return doneState(job, result, elapsedMs);
    } catch (error) {
      this.#o.logger.error({ jobId: job.id, err: error }, 'result images could not be prepared');
      return { kind: 'failed', userMessage: `The images were made but could not be fetched: ${userMessageOf(error)} Try /show ${job.id} later.` };
    }
  }

  #remember(job: Job, handle: NonNullable<ReturnType<typeof fromStoredHandle>>, message: DeliveredMessage): void {
    let changed = false;
    if (handle.messageId !== message.messageId || job.reply?.['messageId'] !== message.messageId) {
      handle.messageId = message.messageId;
      changed = true;
    }
    if (job.status === 'done') {
      for (const index of job.images.keys()) {
        const delivered = message.attachments.find((a) => a.filename.includes(`${job.id}-${index + 1}.`));
        if (delivered && recordDeliveredUrl(job, index, delivered.url)) changed = true;
      }
    }
    if (changed) {
      recordReply(job, toStoredHandle(handle));
      this.#o.store.save(job);
    }
  }
}
