/**
 * Which image of a message Remix works on: the first image attachment, else the first
 * embed image (or thumbnail, e.g. a link preview). Embeds are read through Discord's
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
  for (const attachment of message.attachments) {
    if (isImageFile(attachment)) return { kind: 'attachment', url: attachment.url, attachment };
  }
  for (const embed of message.embeds) {
    const media = embed.image ?? embed.thumbnail;
    const url = media?.proxyURL || media?.url;
    if (url) return { kind: 'embed', url };
  }
  return null;
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
