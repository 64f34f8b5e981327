import { describe, expect, it } from 'vitest';
import { AttachmentRejectedError } from '../../src/discord/attachment-errors.ts';
import { DEFAULT_ATTACHMENT_HOSTS, parseAttachmentHosts } from '../../src/attachment-hosts.ts';
import { checkAttachmentUrl } from '../../src/discord/attachment-url.ts';
import { ComfycordError } from '../../src/errors.ts';

describe('parseAttachmentHosts', () => {
  it('defaults to Discord when unset or blank', () => {
    expect(parseAttachmentHosts(undefined)).toBe(DEFAULT_ATTACHMENT_HOSTS);
    expect(parseAttachmentHosts('  ')).toBe(DEFAULT_ATTACHMENT_HOSTS);
  });

  it('splits, lower-cases and de-duplicates', () => {
    expect(parseAttachmentHosts('CDN.discordapp.com, media.discordapp.net cdn.discordapp.com')).toEqual([
      'cdn.discordapp.com',
      'media.discordapp.net',
    ]);
  });

  it('refuses anything that is not a host name or host:port', () => {
    for (const bad of ['https://cdn.discordapp.com', '*.discordapp.com', 'cdn.discordapp.com/path', 'host:', 'host:0', 'host:65536', 'host:80x', ':8080', 'a:1:2']) {
      expect(() => parseAttachmentHosts(bad)).toThrow(ComfycordError);
    }
  });

  it('accepts host:port entries beside plain hosts', () => {
    expect(parseAttachmentHosts('127.0.0.1:9999, cdn.discordapp.com, Media.Example:443')).toEqual(['127.0.0.1:9999', 'cdn.discordapp.com', 'media.example:443']);
  });
});

describe('checkAttachmentUrl with ports', () => {
  const hosts = parseAttachmentHosts('127.0.0.1:9999, cdn.discordapp.com, media.example:443');

  it('lets a plain host entry match any port', () => {
    expect(checkAttachmentUrl('https://cdn.discordapp.com:8443/a.png', hosts).port).toBe('8443');
    expect(checkAttachmentUrl('https://cdn.discordapp.com/a.png', hosts).hostname).toBe('cdn.discordapp.com');
  });

  it('lets a host:port entry match that port only, the scheme default included', () => {
    expect(checkAttachmentUrl('http://127.0.0.1:9999/a.png', hosts).port).toBe('9999');
    expect(checkAttachmentUrl('https://media.example/a.png', hosts).hostname).toBe('media.example');
    for (const refused of ['http://127.0.0.1:8188/view', 'http://127.0.0.1/a.png', 'https://media.example:8443/a.png', 'http://media.example/a.png']) {
      expect(() => checkAttachmentUrl(refused, hosts), refused).toThrow(AttachmentRejectedError);
    }
  });
});

describe('checkAttachmentUrl', () => {
  it('accepts a Discord CDN link as is', () => {
    const url = checkAttachmentUrl('https://cdn.discordapp.com/attachments/1/2/a.png?ex=1&is=2&hm=3', DEFAULT_ATTACHMENT_HOSTS);
    expect(url.hostname).toBe('cdn.discordapp.com');
  });

  it('refuses a malformed link', () => {
    expect(() => checkAttachmentUrl('not a url', DEFAULT_ATTACHMENT_HOSTS)).toThrow(AttachmentRejectedError);
  });
});
