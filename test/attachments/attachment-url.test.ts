import { describe, expect, it } from 'vitest';
import { AttachmentRejectedError } from '../../src/discord/attachment-errors.ts';
import { checkAttachmentUrl, DEFAULT_ATTACHMENT_HOSTS, parseAttachmentHosts } from '../../src/discord/attachment-url.ts';
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

  it('refuses anything that is not a plain host name', () => {
    for (const bad of ['https://cdn.discordapp.com', '*.discordapp.com', 'cdn.discordapp.com/path', 'host:443']) {
      expect(() => parseAttachmentHosts(bad)).toThrow(ComfycordError);
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
