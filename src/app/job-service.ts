import { BlockedWords } from '../access/blocked-words.ts';
import { ImageNotTakenError, ImageRequiredError, ParentNotReadyError, TemplateKindMissingError } from './request-errors.ts';
import { createJob, type InputImageRef, type Job, type JobOrigin, type JobReplyHandle } from '../jobs/job.ts';
import type { JobStore } from '../jobs/job-store.ts';
import { failureOf, moveJob, recordDelivery } from '../jobs/job-state.ts';
import { inScope, mayManage, type Requester } from '../jobs/job-scope.ts';
import { JobNotFoundError, NotYourJobError } from '../jobs/scheduler-errors.ts';
import type { Reservation, Scheduler } from '../jobs/scheduler.ts';
import { findOption, renderTemplate, withPlaceholderPads, type ChoiceSource, type Template, type TemplateKind, type TemplateRole, type TemplateSet } from '../workflows/index.ts';

// Requester is a core type (src/jobs/job-scope.ts); commands see it through this service.
export type { Requester } from '../jobs/job-scope.ts';

export interface NewJobRequest {
  requester: Requester;
  /** A template name, or null to pick the default for what was given (image → img2img). */
  template: string | null;
  options: Record<string, string | number | boolean>;
  /** Normalised input images by option name, already kept by InputImages. */
  inputs?: Record<string, InputImageRef>;
  origin: JobOrigin;
}

export interface Accepted {
  job: Job;
  position: number;
  total: number;
}

/** A job checked, given a slot and saved, not queued yet (its deferral and input images still to come). */
export interface Prepared {
  job: Job;
  reservation: Reservation;
}

/** Buttons that start a new job from one image of a finished job. */
export type ImageAction = 'vary' | 'upscale' | 'outpaint' | 'inpaint';

const ROLE_OF_IMAGE_ACTION: Record<ImageAction, TemplateRole> = { vary: 'img2img', upscale: 'upscale', outpaint: 'outpaint', inpaint: 'inpaint' };

/** The parent's values each action keeps (when the new template has them). */
const CARRIED: Record<ImageAction, string[]> = {
  vary: ['prompt', 'negative', 'steps', 'cfg', 'checkpoint', 'sampler', 'scheduler'],
  upscale: ['prompt', 'negative', 'checkpoint'],
  outpaint: ['prompt', 'negative', 'steps', 'cfg', 'checkpoint', 'sampler', 'scheduler'],
  // Vary (Region): the prompt is typed in its form, and the inpaint template keeps its own checkpoint (an inpainting model blends best).
  inpaint: ['negative', 'steps', 'cfg', 'sampler', 'scheduler'],
};


/** How much a Vary changes the chosen image, as img2img denoise. */
export const VARY_DENOISE = 0.55;

/**
 * The core's front door: turns a request (from a slash command, a button, the CLI)
 * into a validated, queued job. Every option is checked against the template before
 * the job exists, so a bad value is refused at once with a message the user can act
 * on, never discovered on the GPU. Knows nothing of Discord.
 */
export class JobService {
  readonly #templates: TemplateSet;
  readonly #scheduler: Scheduler;
  readonly #store: JobStore;
  readonly #blockedWords: BlockedWords;
  readonly #servers: { assertCanRun(template: string): void } | null;
  readonly #choices: ChoiceSource | undefined;

  constructor(deps: {
    templates: TemplateSet;
    scheduler: Scheduler;
    store: JobStore;
    blockedWords: string[];
    /** When given, a job no server could start now is refused instead of queued. */
    servers?: { assertCanRun(template: string): void };
    /** The servers' own lists (cached /object_info): a checkpoint or sampler they lack is refused before queueing. */
    choices?: ChoiceSource;
  }) {
    this.#templates = deps.templates;
    this.#scheduler = deps.scheduler;
    this.#store = deps.store;
    this.#blockedWords = new BlockedWords(deps.blockedWords);
    this.#servers = deps.servers ?? null;
    this.#choices = deps.choices;
  }

  /** The template a request gets when it names none. */
  defaultTemplate(kind: TemplateKind): Template {
    const named = this.#templates.get(kind);
    if (named?.kind === kind) return named;
    const first = this.#templates.list().find((template) => template.kind === kind);
    if (!first) throw new TemplateKindMissingError(kind);
    return first;
  }

  /**
   * The template an action of `role` runs (Zoom Out: outpaint, Vary: img2img): the one
   * named after the role if it has that role, else the first of that role in name order.
   */
  roleTemplate(role: TemplateRole): Template {
    const named = this.#templates.get(role);
    if (named?.role === role) return named;
    const first = this.#templates.list().find((template) => template.role === role);
    if (!first) throw new TemplateKindMissingError(role);
    return first;
  }

  /** The template a request runs: the one it names, else the default for what it gives (an image → img2img). */
  templateFor(name: string | null, withImage: boolean): Template {
    return name === null ? this.defaultTemplate(withImage ? 'img2img' : 'txt2img') : this.#templates.require(name);
  }

  /**
   * Everything submit checks, without queueing: template, input images, blocked
   * words, every option value, and the user's limits. `imageOptions` names image
   * inputs that will be supplied (before their bytes are at hand).
   */
  check(request: Omit<NewJobRequest, 'inputs' | 'origin'> & { imageOptions: string[] }): Template {
    const template = this.templateFor(request.template, request.imageOptions.length > 0);
    for (const name of request.imageOptions) {
      if (!findOption(template, name)) throw new ImageNotTakenError(template.name);
    }
    const missing = template.options.find((option) => option.type === 'image' && option.required && !request.imageOptions.includes(option.name));
    if (missing) throw new ImageRequiredError(template.name);
    // Every free-text option is moderated (prompt, negative, and any text a template adds).
    const textOptions = new Set(['prompt', 'negative', ...template.options.filter((option) => option.type === 'text' || option.type === 'string').map((option) => option.name)]);
    const texts = [...textOptions]
      .map((name) => request.options[name])
      .filter((value): value is string => typeof value === 'string');
    this.#blockedWords.assertNone(texts);
    // Dry run: every option checked now (seeds drawn and thrown away); image names stand in for uploads.
    const placeholders = Object.fromEntries(request.imageOptions.map((name) => [name, 'input.png']));
    renderTemplate(template, { ...withPlaceholderPads(template, request.options), ...placeholders }, this.#choices ? { serverChoices: this.#choices } : {});
    this.#scheduler.assertCanAccept(request.requester.userId);
    this.#servers?.assertCanRun(template.name);
    return template;
  }

  /** Validates and queues; `reply` is the adapter's handle to its message, stored with the job. */
  submit(request: NewJobRequest, reply: JobReplyHandle | null = null): Accepted {
    return this.enqueue(this.prepare(request, reply));
  }

  /**
   * Every check submit makes, then a slot reserved and the job saved (status queued, on
   * no server's line yet). The row exists before anything is said to Discord, so a bot
   * killed after acknowledging finds the job at its next start.
   */
  prepare(request: NewJobRequest, reply: JobReplyHandle | null = null): Prepared {
    const template = this.check({ ...request, imageOptions: Object.keys(request.inputs ?? {}) });
    const reservation = this.#scheduler.reserve(request.requester.userId);
    const job = createJob({
      userId: request.requester.userId,
      userName: request.requester.userName,
      guildId: request.requester.guildId,
      channelId: request.requester.channelId,
      origin: request.origin,
      spec: { template: template.name, options: { ...request.options }, ...(request.inputs ? { inputs: { ...request.inputs } } : {}) },
      reply,
    });
    try {
      this.#store.save(job);
    } catch (error) {
      reservation.release();
      throw error;
    }
    return { job, reservation };
  }

  /** Puts a prepared job in line, in its reserved slot. */
  enqueue(prepared: Prepared): Accepted {
    const place = this.#scheduler.enqueue(prepared.job, { reservation: prepared.reservation });
    return { job: prepared.job, ...place };
  }

  /**
   * A prepared job that will not run (its image was refused, its deferral failed): the
   * slot is freed and the job ends failed with the reason. The caller has told the user,
   * so there is nothing left to deliver.
   */
  abandon(prepared: Prepared, reason: unknown, now: number = Date.now()): void {
    prepared.reservation.release();
    const { job } = prepared;
    // A prepared job is still queued, never in line: failing it is always an allowed step.
    moveJob(job, 'failed', { failure: failureOf(reason), finishedAt: now });
    recordDelivery(job, now);
    this.#store.save(job);
  }

  get(jobId: string): Job {
    const job = this.#store.get(jobId);
    if (!job) throw new JobNotFoundError(jobId);
    return job;
  }

  /**
   * A job as seen from where the requester is: one of another guild (or of someone
   * else's DM) is refused exactly as a job that does not exist, so the refusal names
   * nothing of it.
   */
  visible(jobId: string, requester: Requester): Job {
    const job = this.#store.get(jobId);
    if (!job || !inScope(job, requester)) throw new JobNotFoundError(jobId);
    return job;
  }

  /** Same template and options, a fresh seed. */
  reroll(jobId: string, requester: Requester, reply: JobReplyHandle | null = null): Accepted {
    return this.submit(this.rerollRequest(jobId, requester), reply);
  }

  /** img2img on one image of a finished job, same prompt, moderate change. */
  vary(jobId: string, imageIndex: number, requester: Requester, reply: JobReplyHandle | null = null): Accepted {
    return this.submit(this.fromImageRequest('vary', jobId, imageIndex, requester), reply);
  }

  /** The upscale template on one image of a finished job. */
  upscale(jobId: string, imageIndex: number, requester: Requester, reply: JobReplyHandle | null = null): Accepted {
    return this.submit(this.fromImageRequest('upscale', jobId, imageIndex, requester), reply);
  }

  /** The request a Reroll of this job makes. */
  rerollRequest(jobId: string, requester: Requester): NewJobRequest {
    const parent = this.visible(jobId, requester);
    const { seed: _seed, ...options } = parent.spec.options;
    return {
      requester,
      template: parent.spec.template,
      options,
      ...(parent.spec.inputs ? { inputs: parent.spec.inputs } : {}),
      origin: { kind: 'reroll', parentJobId: parent.id, imageIndex: null },
    };
  }

  /** The request of a new job that starts from one image of a finished job, carrying over what still applies. */
  fromImageRequest(
    kind: ImageAction,
    jobId: string,
    imageIndex: number,
    requester: Requester,
    templateName?: string,
    /** Values that win over the carried ones (Zoom Out's `zoom`, a prompt typed in a form). */
    given: Record<string, string | number | boolean> = {},
  ): NewJobRequest {
    const parent = this.#finishedWithImage(this.visible(jobId, requester), imageIndex);
    const template = templateName === undefined ? this.roleTemplate(ROLE_OF_IMAGE_ACTION[kind]) : this.#templates.require(templateName);
    const options = { ...this.#carry(parent, template, CARRIED[kind]), ...given };
    if (kind === 'vary' && findOption(template, 'denoise')) options['denoise'] = VARY_DENOISE;
    return {
      requester,
      template: template.name,
      options,
      inputs: { image: { kind: 'job-output', jobId: parent.id, index: imageIndex } },
      origin: { kind, parentJobId: parent.id, imageIndex },
    };
  }

  async cancel(jobId: string, requester: Requester): Promise<Job> {
    this.assertOwner(this.visible(jobId, requester), requester);
    return this.#scheduler.cancel(jobId, { userId: requester.userId, isAdmin: requester.isAdmin });
  }

  /** Only the requester or an admin of the job's own guild may cancel or delete it; elsewhere it does not exist. */
  assertOwner(job: Job, requester: Requester): void {
    if (!inScope(job, requester)) throw new JobNotFoundError(job.id);
    if (!mayManage(job, requester)) throw new NotYourJobError(job.id);
  }

  #finishedWithImage(parent: Job, imageIndex: number): Job {
    if (parent.status !== 'done') throw new ParentNotReadyError(parent.id, null);
    // Only a still image can be an input: an animation, a video or a sound at that index is no image to vary.
    if (parent.images[imageIndex]?.source.kind !== 'image') throw new ParentNotReadyError(parent.id, imageIndex);
    return parent;
  }

  /** The parent's values for the options the target template also has. */
  #carry(parent: Job, template: Template, names: string[]): Record<string, string | number | boolean> {
    const values: Record<string, string | number | boolean> = {};
    for (const name of names) {
      const value = parent.spec.options[name] ?? parent.resolved?.[name];
      if (value !== undefined && findOption(template, name)) values[name] = value;
    }
    return values;
  }
}
