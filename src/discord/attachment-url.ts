import { AttachmentRejectedError } from './attachment-errors.ts';

// The ATTACHMENT_HOSTS setting is parsed with the configuration (src/attachment-hosts.ts).
export { DEFAULT_ATTACHMENT_HOSTS } from '../attachment-hosts.ts';

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
