/**
 * Which image of a message Remix works on: the first image attachment, else the first
 * embed image (or thumbnail, e.g. a link preview); Remix → Edit takes the next ones too. Embeds are read through Discord's
 * media proxy when it gave one, because that is a Discord host the download allows;
 * the original URL of a link preview usually is not.
 */

export interface AttachmentLike {
  url: string;
  contentType: string | null;
  name: string;
  size: number;
}

interface EmbedMediaLike {
  url: string;
  proxyURL?: string | undefined;
}

export interface EmbedLike {
  image: EmbedMediaLike | null;
  thumbnail: EmbedMediaLike | null;
  footer?: { text: string } | null;
}

export interface MessageLike {
  attachments: Iterable<AttachmentLike>;
  embeds: Iterable<EmbedLike>;
}

export type RemixImage =
  | { kind: 'attachment'; url: string; attachment: AttachmentLike }
  | { kind: 'embed'; url: string };

const IMAGE_NAME = /\.(png|jpe?g|webp|gif|avif|bmp|tiff?)$/i;

export function isImageFile(file: { contentType: string | null; name: string }): boolean {
  const type = file.contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type !== '') return type.startsWith('image/') && type !== 'image/svg+xml';
  return IMAGE_NAME.test(file.name);
}

export function findRemixImage(message: MessageLike): RemixImage | null {
  return findRemixImages(message, 1)[0] ?? null;
}

/**
 * Up to `max` images of a message in the order Remix takes them: the image attachments,
 * then the embeds' images (Remix → Edit uses the first as the image, the others as references).
 */
export function findRemixImages(message: MessageLike, max: number): RemixImage[] {
  const found: RemixImage[] = [];
  for (const attachment of message.attachments) {
    if (found.length >= max) return found;
    if (isImageFile(attachment)) found.push({ kind: 'attachment', url: attachment.url, attachment: { url: attachment.url, contentType: attachment.contentType, name: attachment.name, size: attachment.size } });
  }
  for (const embed of message.embeds) {
    if (found.length >= max) return found;
    const media = embed.image ?? embed.thumbnail;
    const url = media?.proxyURL || media?.url;
    if (url) found.push({ kind: 'embed', url });
  }
  return found;
}

const JOB_FOOTER = /^job ([A-Za-z0-9_-]{1,64})(?: · |$)/;

/** The job id of one of our result messages (its embed footer reads `job <id> · <server>`). */
export function jobIdOfMessage(message: MessageLike): string | null {
  for (const embed of message.embeds) {
    const match = JOB_FOOTER.exec(embed.footer?.text ?? '');
    if (match) return match[1]!;
  }
  return null;
}
