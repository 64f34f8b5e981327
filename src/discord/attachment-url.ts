import { ComfycordError } from '../errors.ts';
import { AttachmentRejectedError } from './attachment-errors.ts';

/** Where Discord serves attachments from. Override with ATTACHMENT_HOSTS (comma-separated). */
export const DEFAULT_ATTACHMENT_HOSTS: readonly string[] = Object.freeze(['cdn.discordapp.com', 'media.discordapp.net']);

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
const PORT = /^[1-9][0-9]{0,4}$/;

/** `host` (any port) or `host:port` (that port only), already lower-cased. */
function isHostEntry(entry: string): boolean {
  const colon = entry.lastIndexOf(':');
  if (colon === -1) return HOST_NAME.test(entry);
  const port = entry.slice(colon + 1);
  return HOST_NAME.test(entry.slice(0, colon)) && PORT.test(port) && Number(port) <= 65_535;
}

/**
 * The ATTACHMENT_HOSTS setting as a host list. Each entry is a plain host name (any
 * port) or `host:port` (only that port, so an operator can allow one service of a
 * machine without its others); no scheme, path or wildcard, because matching is
 * exact. Unset or blank means Discord's CDN.
 */
export function parseAttachmentHosts(value: string | undefined): readonly string[] {
  const hosts = (value ?? '')
    .split(/[\s,]+/)
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host.length > 0);
  if (hosts.length === 0) return DEFAULT_ATTACHMENT_HOSTS;
  const invalid = hosts.filter((host) => !isHostEntry(host));
  if (invalid.length > 0) {
    throw new ComfycordError('CONFIG_INVALID', `ATTACHMENT_HOSTS must list host names or host:port; not valid: ${invalid.join(', ')}`, {
      context: { invalid },
    });
  }
  return Object.freeze([...new Set(hosts)]);
}

const OFF_HOST_MESSAGE = 'Only images from Discord can be used.';

/** The port a URL reaches, the scheme's default when it names none (WHATWG URL leaves `port` empty then). */
function effectivePort(url: URL): string {
  return url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
}

/**
 * The URL, if it may be fetched: http(s), no user info, and a host name exactly equal to
 * a plain entry of the list, or host and port equal to a `host:port` entry. `new URL` has
 * already lower-cased the host and resolved tricks such as
 * `https://cdn.discordapp.com@evil.example/` (whose host is evil.example). Called again
 * for every redirect hop.
 */
export function checkAttachmentUrl(raw: string, allowedHosts: readonly string[], via: 'link' | 'redirect' = 'link'): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (cause) {
    throw new AttachmentRejectedError('bad-url', 'That is not a valid link to an image.', { cause });
  }
  const reason = via === 'redirect' ? 'redirect' : 'host';
  const port = effectivePort(url);
  const context = { host: url.hostname, port, protocol: url.protocol, via };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  if (url.username !== '' || url.password !== '') throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  if (!allowedHosts.includes(url.hostname) && !allowedHosts.includes(`${url.hostname}:${port}`)) {
    throw new AttachmentRejectedError(reason, OFF_HOST_MESSAGE, { context });
  }
  return url;
}
