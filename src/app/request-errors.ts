import { ComfycordError } from '../errors.ts';
import type { AppErrorCode } from './error-codes.ts';

/** No installed template of the kind an action needs (img2img for Vary, upscale for Upscale). */
export class TemplateKindMissingError extends ComfycordError<AppErrorCode> {
  constructor(kind: string) {
    super('TEMPLATE_KIND_MISSING', `no ${kind} template is installed; ask an admin to add one`, { context: { kind } });
  }
}

/** An image given to a template that has no image input. */
export class ImageNotTakenError extends ComfycordError<AppErrorCode> {
  constructor(template: string) {
    super('IMAGE_NOT_TAKEN', `template '${template}' does not take an input image; pick an img2img template`, { context: { template } });
  }
}

/** A template whose image input is required, and no image given. */
export class ImageRequiredError extends ComfycordError<AppErrorCode> {
  constructor(template: string) {
    super('IMAGE_REQUIRED', `template '${template}' needs an image: attach one`, { context: { template } });
  }
}

/** Vary, Upscale or Remix of a job that has no finished image at that index (yet). */
export class ParentNotReadyError extends ComfycordError<AppErrorCode> {
  constructor(jobId: string, imageIndex: number | null) {
    super('PARENT_NOT_READY', imageIndex === null ? 'That job has no finished images yet.' : `That job has no image ${imageIndex + 1}.`, {
      context: { jobId, imageIndex },
    });
  }
}
