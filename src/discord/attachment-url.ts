import { ComfycordError } from '../errors.ts';
import { AttachmentRejectedError } from './attachment-errors.ts';

/** Where Discord serves attachments from. Override with ATTACHMENT_HOSTS (comma-separated). */
export const DEFAULT_ATTACHMENT_HOSTS: readonly string[] = Object.freeze(['cdn.discordapp.com', 'media.discordapp.net']);

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;

/**
 * The ATTACHMENT_HOSTS setting as a host list: plain host names only (no scheme, port,
 * path or wildcard), because matching is exact. Unset or blank means Discord's CDN.
 */
export function parseAttachmentHosts(value: string | undefined): readonly string[] {
  const hosts = (value ?? '')
    .split(/[\s,]+/)
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host.length > 0);
  if (hosts.length === 0) return DEFAULT_ATTACHMENT_HOSTS;
  const invalid = hosts.filter((host) => !HOST_NAME.test(host));
  if (invalid.length > 0) {
    throw new ComfycordError('CONFIG_INVALID', `ATTACHMENT_HOSTS must list plain host names; not valid: ${invalid.join(', ')}`, {
      context: { invalid },
    });
  }
  return Object.freeze([...new Set(hosts)]);
}

const OFF_HOST_MESSAGE = 'Only images from Discord can be used.';

/**
 * The URL, if it may be fetched: http(s), no user info, and a host name exactly equal to
 * one in the list. `new URL` has already lower-cased the host and resolved tricks such as
 * `https://cdn.discordapp.com@evil.example/` (whose host is evil.example).
 */
export function checkAttachmentUrl(raw: string, allowedHosts: readonly string[], via: 'link' | 'redirect' = 'link'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new AttachmentRejectedError('bad-url', 'That is not a valid link to an image.', { cause });
  }
  const reason = via === 'redirect' ? 'redirect' : 'host';
  const context = { host: url.hostname, protocol: url.protocol, via };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  if (url.username !== '' || url.password !== '') throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  if (!allowedHosts.includes(url.hostname)) throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  return url;
}
