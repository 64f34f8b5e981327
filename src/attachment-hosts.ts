import { ConfigError } from './config-error.ts';

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
    throw new ConfigError([`ATTACHMENT_HOSTS must list host names or host:port; not valid: ${invalid.join(', ')}`]);
  }
  return Object.freeze([...new Set(hosts)]);
}
