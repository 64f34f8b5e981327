import { asMaskRefusal } from '../images/mask-errors.ts';
import type { InputImageRef, JobReplyHandle } from '../jobs/job.ts';
import { recordInput, recordReply } from '../jobs/job-state.ts';
import type { Logger } from '../log.ts';
import type { DownloadLimiter } from './download-limiter.ts';
import type { InputImages } from './input-images.ts';
import type { Accepted, JobService, NewJobRequest, Prepared } from './job-service.ts';

/** A request as a command makes it: images as URLs still to fetch. */
export interface IntakeRequest extends Omit<NewJobRequest, 'inputs'> {
  /** Image options to fetch (e.g. `image` → an attachment URL); checked already by the command's precheck. */
  uploads?: Record<string, string>;
  /** Image options whose bytes are at hand already (Reroll's kept file, Vary's parent image). */
  inputs?: NewJobRequest['inputs'];
}

export interface IntakeReply {
  /** The adapter's handle to the message-to-be, saved with the job before `acknowledge` is called. */
  handle: JobReplyHandle;
  /**
   * Tells the user publicly that the job is accepted (Discord: the deferral). Resolves
   * with the handle to keep from then on (e.g. marked acknowledged), or void.
   */
  acknowledge(): Promise<JobReplyHandle | undefined>;
}

export interface JobIntakeOptions {
  jobs: JobService;
  inputs: InputImages;
  downloads: DownloadLimiter;
  /**
   * Downloads a person's image to `files.scratch` (host list, byte cap) and normalises it
   * into the PNG to keep at `files.target` (pixel limit), file to file.
   */
  fetchUploadTo(url: string, maxSide: number, files: { scratch: string; target: string }): Promise<void>;
  logger: Logger;
  now?: () => number;
}

/**
 * The order in which a command becomes a job, so that nothing is spent on a request
 * that will be refused, and nothing acknowledged is forgotten:
 *   1. every check (template, options, moderation, server lists, limits) and a slot
 *      reserved — synchronously, so a refusal can still be ephemeral;
 *   2. the job saved, with its reply handle, before the public acknowledgement;
 *   3. the acknowledgement (Discord's deferral);
 *   4. each image downloaded and kept — one per user at a time, a bounded number overall;
 *      a mask checked against its image and kept as the template reads it;
 *   5. the job queued in its reserved slot.
 * A failure in 3 or 4 frees the slot, keeps no file and ends the job failed; the error
 * is rethrown for the adapter to tell the user.
 */
export class JobIntake {
  readonly #o: JobIntakeOptions;
  readonly #now: () => number;

  constructor(options: JobIntakeOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  async start(request: IntakeRequest, reply: IntakeReply): Promise<Accepted> {
    const { uploads = {}, inputs = {}, ...rest } = request;
    const pending: Record<string, InputImageRef> = { ...inputs };
    // Placeholders until fetched: the template's checks see every image option, and a bot
    // killed before the download finds the URL in the saved job.
    const maxSide = this.#maxSide(request);
    for (const [option, url] of Object.entries(uploads)) pending[option] = { kind: 'url', url, maxSide };
    const hasInputs = Object.keys(pending).length > 0;
    const prepared = this.#o.jobs.prepare({ ...rest, ...(hasInputs ? { inputs: pending } : {}) }, reply.handle);
    const kept: string[] = [];
    try {
      const acknowledged = await reply.acknowledge();
      if (acknowledged) recordReply(prepared.job, acknowledged);
      for (const [option, url] of Object.entries(uploads)) {
        const ref = await this.#o.downloads
          .run(prepared.job.userId, () => this.#o.inputs.keepUpload(prepared.job.id, option, (files) => this.#o.fetchUploadTo(url, maxSide, files)))
          // A mask that is no image is refused as the mask, so the person knows which file to fix.
          .catch((error: unknown) => Promise.reject(option === 'mask' ? asMaskRefusal(error) : error));
        if (ref.kind === 'file') kept.push(ref.path);
        recordInput(prepared.job, option, ref);
      }
      await this.#fitMask(prepared, uploads);
      return this.#o.jobs.enqueue(prepared);
    } catch (error) {
      await this.#abandon(prepared, error, kept);
      throw error;
    }
  }

  /**
   * A mask just uploaded (/inpaint, Vary (Region)) is checked against its image and
   * kept as the template reads it, before the job is queued: a mask that cannot be
   * used fails here, with its reason, and no GPU time is spent on it.
   */
  async #fitMask(prepared: Prepared, uploads: Record<string, string>): Promise<void> {
    const { image, mask } = prepared.job.spec.inputs ?? {};
    if (uploads['mask'] === undefined || image === undefined || mask === undefined) return;
    await this.#o.inputs.fitMask(image, mask);
  }

  async #abandon(prepared: Prepared, error: unknown, kept: string[]): Promise<void> {
    for (const path of kept) await this.#o.inputs.discard(path);
    try {
      this.#o.jobs.abandon(prepared, error, this.#now());
    } catch (saveError) {
      this.#o.logger.error({ jobId: prepared.job.id, err: saveError }, 'abandoned job could not be saved');
    }
  }

  #maxSide(request: IntakeRequest): number {
    const template = this.#o.jobs.templateFor(request.template, Object.keys(request.uploads ?? {}).length + Object.keys(request.inputs ?? {}).length > 0);
    return maxSideOf(template.options);
  }
}

/** Largest side a template's image may have: its width/height bounds, else 2048. */
export function maxSideOf(options: ReadonlyArray<{ name: string; max?: number | undefined }>): number {
  const sides = options.filter((option) => option.name === 'width' || option.name === 'height').map((option) => option.max ?? 0);
  return Math.max(0, ...sides) || 2048;
}
