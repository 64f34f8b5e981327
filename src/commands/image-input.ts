import { AttachmentRejectedError } from '../discord/attachment-errors.ts';
import { checkAttachmentUrl } from '../discord/attachment-url.ts';
import { formatSize } from '../images/format-size.ts';
import type { RemixImage } from './remix-image.ts';

/**
 * What Discord says about a file, checked before deferring so the refusal can be
 * ephemeral; with `allowedHosts`, a URL we would never fetch is refused here too.
 */
export function precheckAttachment(
  attachment: { contentType: string | null; size: number; name: string; url?: string },
  maxBytes: number,
  allowedHosts?: readonly string[],
  /** What the refusal calls the file ("The mask" for /inpaint's second attachment). */
  called = 'That file',
): void {
  if (allowedHosts !== undefined && attachment.url !== undefined) checkAttachmentUrl(attachment.url, allowedHosts);
  const type = attachment.contentType?.split(';')[0]?.trim().toLowerCase() ?? null;
  // application/octet-stream says nothing either way: the downloader checks the bytes.
  if (type !== null && type !== 'application/octet-stream' && (!type.startsWith('image/') || type === 'image/svg+xml')) {
    throw new AttachmentRejectedError('not-image', `${called} is not an image (${type}). Attach a PNG, JPEG or WebP.`, { context: { type, name: attachment.name } });
  }
  if (attachment.size > maxBytes) {
    throw new AttachmentRejectedError('too-large', `The file is ${formatSize(attachment.size)}; the limit is ${formatSize(maxBytes)}.`, {
      context: { size: attachment.size, maxBytes },
    });
  }
}

/** A message's image (Remix): an attachment is checked as one; an embed's image by its URL, the only thing Discord says of it. */
export function precheckMessageImage(image: RemixImage, maxBytes: number, allowedHosts: readonly string[]): void {
  if (image.kind === 'attachment') precheckAttachment(image.attachment, maxBytes);
  checkAttachmentUrl(image.url, allowedHosts);
}
