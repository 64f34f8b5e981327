import PQueue from 'p-queue';
import { isComfycordError, userMessageOf } from '../errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import { FairQueue } from './fair-queue.ts';
import type { Job, JobStatus } from './job.ts';
import { assertCanMove, failureOf, isFinished, moveJob, moveOrLog, recordSubmission, type JobStepFields } from './job-state.ts';
import { Admission } from './admission.ts';
import { JobCancelledError, JobNotFoundError, NotYourJobError } from './scheduler-errors.ts';
import { afterAbort } from './job-watchdog.ts';
import { SubmitOrder } from './submit-order.ts';
import { RunningJobs } from './running-jobs.ts';
import { ServerChoice } from './server-choice.ts';
import { UpdateListeners } from './update-listeners.ts';
import type { Reservation, SchedulerOptions, SchedulerUpdate } from './scheduler-types.ts';

export type { ExecuteContext, ExecuteJob, JobOutputs, Reservation, SchedulerOptions, SchedulerUpdate, WorkerSlot } from './scheduler-types.ts';

/**
 * Moves jobs from a fair waiting line onto ComfyUI servers. Each server gets a
 * p-queue whose concurrency is one running job plus `lookahead` submitted ahead.
 */
export class Scheduler {
  readonly #waiting = new FairQueue<Job>();
  readonly #running = new RunningJobs();
  readonly #queues = new Map<string, PQueue>();
  readonly #attempts = new Map<string, number>();
  readonly #admission: Admission;
  readonly #listeners: UpdateListeners;
  readonly #choice: ServerChoice;
  readonly #order = new SubmitOrder();
  readonly #options: Required<Omit<SchedulerOptions, 'logger' | 'watchdog'>> & Pick<SchedulerOptions, 'watchdog'> & { logger: Logger };
  #closed = false;

  constructor(options: SchedulerOptions) {
    this.#options = {
      lookahead: 1,
      isRetryable: () => false,
      maxAttempts: 2,
      now: Date.now,
      ...options,
      logger: options.logger ?? silentLogger(),
    };
    this.#admission = new Admission(options.limits, this.#options.now);
    this.#choice = new ServerChoice(options.workers);
    this.#listeners = new UpdateListeners(this.#options.logger);
    for (const worker of options.workers) this.#queues.set(worker.name, new PQueue({ concurrency: 1 + this.#options.lookahead }));
  }

  subscribe(listener: (update: SchedulerUpdate) => void): () => void {
    return this.#listeners.subscribe(listener);
  }

  /**
   * Checks limits and queues the job; throws a typed error the user can read. With a
   * reservation (see reserve) the limits were checked when it was taken: it becomes the job's slot.
   */
  enqueue(job: Job, options: { bypassCooldown?: boolean; reservation?: Reservation } = {}): { position: number; total: number } {
    const { store } = this.#options;
    // A finished job never goes back in line: refused before it takes a slot.
    assertCanMove(job, 'queued');
    if (options.reservation !== undefined && options.reservation.userId === job.userId && options.reservation.held) {
      options.reservation.release();
    } else {
      this.assertCanAccept(job.userId, options);
      this.#admission.noteStart(job.userId);
    }
    moveJob(job, 'queued');
    store.save(job);
    this.#waiting.push(job);
    this.#listeners.emit({ type: 'status', job });
    const joined = this.#waiting.size;
    const moved = this.#pump();
    const place = this.position(job.id);
    // The line grew: the others' "position n of N" changes even when nobody moved.
    if (moved || place !== null) this.#emitPositions();
    // A job that went straight to a server was first of the line it joined.
    return place ?? { position: 1, total: joined };
  }

  /**
   * Takes one of the user's slots (and one of the queue's) for a job that is still being
   * prepared, e.g. while its input image downloads: parallel commands of one user then
   * cannot all pass the limit check before any of them is queued. Counts for the cooldown
   * from now. Throws what enqueue would; hand the reservation to enqueue, or release it.
   */
  reserve(userId: string, options: { bypassCooldown?: boolean } = {}): Reservation {
    this.assertCanAccept(userId, options);
    return this.#admission.reserve(userId);
  }

  /** Throws the error enqueue would throw for this user now (so a command can refuse before deferring). */
  assertCanAccept(userId: string, options: { bypassCooldown?: boolean } = {}): void {
    this.#admission.assertCanAccept(userId, { active: this.#waiting.size + this.#running.size, pending: this.pendingCountFor(userId) }, options);
  }

  /**
   * A job read back from the store after a restart, without limit checks: one that
   * was on a server goes straight back to it (the executor follows its prompt), the
   * rest wait in line again in the order given (oldest first).
   */
  restore(job: Job): void {
    const queue = job.server === null ? undefined : this.#queues.get(job.server);
    if ((job.status === 'submitted' || job.status === 'running') && job.promptId !== null && queue) {
      this.#start(job, job.server!, queue);
    } else if (this.#move(job, 'queued', { server: null, promptId: null })) {
      this.#options.store.save(job);
      this.#waiting.push(job);
    }
    this.#pumpAndAnnounce();
  }

  /** Place in line of a waiting job; null when it is not waiting. Costs O(users), not O(jobs). */
  position(jobId: string): { position: number; total: number } | null {
    const position = this.#waiting.positionOf(jobId);
    return position === undefined ? null : { position, total: this.#waiting.size };
  }

  /** Waiting jobs in the order they will be served. */
  waiting(): Job[] {
    return this.#waiting.ordered();
  }

  /** How many jobs wait for a server (no ordering needed). */
  waitingCount(): number {
    return this.#waiting.size;
  }

  /** Jobs of this user on a server, then waiting (in their order). Costs the user's jobs plus the running ones. */
  pendingFor(userId: string): Job[] {
    return [...this.#running.jobsOf(userId), ...this.#waiting.jobsOf(userId)];
  }

  /** How many jobs of this user are waiting or on a server. */
  pendingCountFor(userId: string): number {
    return this.#waiting.countFor(userId) + this.#running.countFor(userId);
  }

  /** Jobs on a server, then the waiting line in order: the scheduler's own objects, no store reads. */
  pending(): Job[] {
    return [...this.running(), ...this.#waiting.ordered()];
  }

  /** Jobs on a server (submitted or running), in the order they were started. */
  running(): Job[] {
    return this.#running.jobs();
  }

  /** Load per server: jobs running or submitted there. */
  load(): Map<string, number> {
    return this.#running.load(this.#queues.keys());
  }

  async cancel(jobId: string, actor: { userId: string; isAdmin: boolean }): Promise<Job> {
    const job = this.#options.store.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    if (job.userId !== actor.userId && !actor.isAdmin) throw new NotYourJobError(jobId);
    if (isFinished(job)) return job;
    if (this.#waiting.remove(jobId)) {
      this.#finish(job, 'cancelled', null);
      this.#emitPositions();
      return job;
    }
    this.#running.get(jobId)?.controller.abort(new JobCancelledError(jobId));
    return job;
  }

  /** Stops taking work; running jobs are left to the caller (shutdown persists them). */
  close(): void {
    this.#closed = true;
  }

  /** Call when a server's health or abilities change, so waiting work moves. */
  poke(): void {
    this.#pumpAndAnnounce();
  }

  #pumpAndAnnounce(): void {
    if (this.#pump()) this.#emitPositions();
  }

  /** Starts what the free servers can take; true when a job left the line (positions changed). */
  #pump(): boolean {
    if (this.#closed) return false;
    let moved = false;
    while (this.#waiting.size > 0) {
      const free = this.#options.workers.filter((worker) => worker.isHealthy() && this.#hasSlot(worker.name));
      if (free.length === 0) break;
      // The fairest job that some free server can run, then the best server for it.
      const job = this.#waiting.take((candidate) => free.some((worker) => this.#choice.fits(worker, candidate)));
      if (!job) break;
      const worker = this.#choice.best(free, job, this.load());
      this.#start(job, worker.name, this.#queues.get(worker.name)!);
      moved = true;
    }
    return moved;
  }

  #hasSlot(worker: string): boolean {
    const queue = this.#queues.get(worker)!;
    return queue.pending + queue.size < queue.concurrency;
  }

  #start(job: Job, worker: string, queue: PQueue): void {
    if (!this.#move(job, 'submitted', { server: worker, startedAt: job.startedAt ?? this.#options.now() })) return;
    const controller = new AbortController();
    this.#running.add({ job, controller, worker });
    this.#attempts.set(job.id, (this.#attempts.get(job.id) ?? 0) + 1);
    this.#options.store.save(job);
    this.#listeners.emit({ type: 'status', job });
    // Pump once p-queue has released the slot, not from inside the task.
    void queue.add(() => this.#execute(job, worker, controller)).finally(() => this.#pumpAndAnnounce());
  }

  async #execute(job: Job, worker: string, controller: AbortController): Promise<void> {
    const { execute, store, logger, watchdog } = this.#options;
    const watch = watchdog?.watch(job, worker, (reason) => controller.abort(reason));
    const place = this.#order.take(worker, controller.signal);
    try {
      const outputs = await execute(job, worker, {
        signal: controller.signal,
        turn: place.turn,
        onQueued: place.release,
        onSubmitted: (promptId, resolved) => {
          recordSubmission(job, promptId, resolved);
          store.save(job);
        },
        onEvent: (event) => {
          watch?.event(event);
          if (event.type === 'started' && job.status !== 'running') {
            if (!this.#move(job, 'running')) return;
            store.save(job);
            this.#listeners.emit({ type: 'status', job });
          }
          // A late event of a run that is over would show the finished job as running again.
          if (isFinished(job)) return;
          this.#listeners.emit({ type: 'event', job, event });
        },
      });
      watchdog?.finished(worker);
      this.#finish(job, 'done', null, { images: outputs.images, texts: outputs.texts });
    } catch (error) {
      if (this.#closed) {
        // Shutting down: the failure is the servers being closed under the job (and the store
        // may be closed already). The job stays as stored; the next start follows or requeues it.
        logger.info({ jobId: job.id, worker }, 'job left for the next start');
      } else if (controller.signal.aborted) {
        this.#stopped(job, worker, controller.signal.reason);
      } else if (this.#options.isRetryable(error) && (this.#attempts.get(job.id) ?? 0) < this.#options.maxAttempts) {
        logger.warn({ jobId: job.id, worker, err: error }, 'job lost with its server; queued again');
        this.#requeue(job, userMessageOf(error));
      } else {
        if (!isComfycordError(error)) logger.error({ jobId: job.id, worker, err: error }, 'job failed with an unexpected error');
        this.#finish(job, 'failed', error);
      }
    } finally {
      place.release();
      watch?.stop();
      this.#running.remove(job);
    }
  }

  /** The run was aborted: by a user (cancelled), or by the watchdog (a first stall runs again; a second, or the deadline, fails). */
  #stopped(job: Job, worker: string, reason: unknown): void {
    const next = afterAbort(job, worker, reason, this.#options.watchdog, this.#options.logger);
    if (next.kind === 'again') {
      this.#choice.avoid(job.id, worker);
      const where = this.#choice.elsewhere(job, worker) ? ' on another server' : '';
      this.#requeue(job, next.error.userMessage, `${next.error.userMessage}; it was stopped there and runs once more${where}`);
    } else {
      this.#finish(job, next.kind, next.kind === 'failed' ? next.error : null);
    }
  }

  #requeue(job: Job, reason: string, note?: string): void {
    this.#running.remove(job);
    if (!this.#move(job, 'queued', { server: null, promptId: null })) return;
    this.#options.store.save(job);
    this.#waiting.pushFront(job);
    this.#listeners.emit({ type: 'requeued', job, reason, ...(note === undefined ? {} : { note }) });
  }

  #finish(job: Job, status: 'done' | 'failed' | 'cancelled', error: unknown, outputs: JobStepFields = {}): void {
    this.#attempts.delete(job.id);
    this.#choice.forget(job.id);
    this.#options.watchdog?.forget(job.id);
    const failure = status === 'failed' ? failureOf(error) : null;
    if (!this.#move(job, status, { ...outputs, finishedAt: this.#options.now(), failure })) return;
    this.#options.store.save(job);
    this.#listeners.emit({ type: 'status', job });
  }

  /** An illegal step is a bug (e.g. a late event of a finished run): logged as an error, the job left as it was. */
  #move(job: Job, to: JobStatus, fields?: JobStepFields): boolean {
    return moveOrLog(job, to, fields, this.#options.logger);
  }

  #emitPositions(): void {
    this.#listeners.emit({ type: 'positions', total: this.#waiting.size });
  }
}
