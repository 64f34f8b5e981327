import type { InputImageRef } from '../jobs/job.ts';
import { randomUUID } from 'node:crypto';
import { AttachmentRejectedError } from '../discord/attachment-errors.ts';
import { checkAttachmentUrl } from '../discord/attachment-url.ts';
import { normaliseInputImage } from '../images/normalise-input.ts';
import { formatSize } from '../images/format-size.ts';
import type { Template } from '../workflows/index.ts';
import type { CommandContext } from './command-context.ts';

/**
 * What Discord says about a file, checked before deferring so the refusal can be
 * ephemeral; with `allowedHosts`, a URL we would never fetch is refused here too.
 */
export function precheckAttachment(
  attachment: { contentType: string | null; size: number; name: string; url?: string },
  maxBytes: number,
  allowedHosts?: readonly string[],
): void {
  if (allowedHosts !== undefined && attachment.url !== undefined) checkAttachmentUrl(attachment.url, allowedHosts);
  const type = attachment.contentType?.split(';')[0]?.trim().toLowerCase() ?? null;
  // application/octet-stream says nothing either way: the downloader checks the bytes.
  if (type !== null && type !== 'application/octet-stream' && (!type.startsWith('image/') || type === 'image/svg+xml')) {
    throw new AttachmentRejectedError('not-image', `That file is not an image (${type}). Attach a PNG, JPEG or WebP.`, { context: { type, name: attachment.name } });
  }
  if (attachment.size > maxBytes) {
    throw new AttachmentRejectedError('too-large', `The file is ${formatSize(attachment.size)}; the limit is ${formatSize(maxBytes)}.`, {
      context: { size: attachment.size, maxBytes },
    });
  }
}

/** Largest side a template's image may have: its width/height bounds, else 2048. */
export function maxSideOf(template: Template): number {
  const sides = template.options.filter((option) => option.name === 'width' || option.name === 'height').map((option) => option.max ?? 0);
  return Math.max(0, ...sides) || 2048;
}

/** Downloads (host list, byte cap), normalises (pixel limit, EXIF, size, PNG) and keeps the image for the job. */
export async function takeImage(url: string, template: Template, context: CommandContext): Promise<InputImageRef> {
  const bytes = await context.download(url);
  const image = await normaliseInputImage(bytes, { maxSide: maxSideOf(template), maxPixels: context.config.attachments.maxPixels });
  return context.inputs.keep(randomUUID(), 'image', image.png);
}

