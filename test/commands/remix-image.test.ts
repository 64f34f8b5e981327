import { Client, MessageContextMenuCommandInteraction, type APIEmbed, type APIMessageApplicationCommandGuildInteraction } from 'discord.js';
import { afterAll, describe, expect, it } from 'vitest';
import { findRemixImage, findRemixImages, isImageFile, jobIdOfMessage } from '../../src/commands/remix-image.ts';
import { channelMessage, messageContextMenuInteraction, uploadedAttachment } from '../support/discord-standin/payloads.ts';

const client = new Client({ intents: [] });
afterAll(() => client.destroy());

type MenuCtor = new (client: Client, data: APIMessageApplicationCommandGuildInteraction) => MessageContextMenuCommandInteraction;

/** The target message as discord.js hands it to the Remix command. */
function targetOf(input: Parameters<typeof channelMessage>[0] & { embeds?: APIEmbed[] }) {
  const { embeds, ...rest } = input;
  const target = { ...channelMessage(rest), embeds: embeds ?? [] };
  const interaction = new (MessageContextMenuCommandInteraction as unknown as MenuCtor)(client, messageContextMenuInteraction({ name: 'Remix', target }));
  const message = interaction.targetMessage;
  return { attachments: message.attachments.values(), embeds: message.embeds };
}

const file = (filename: string, contentType: string) =>
  uploadedAttachment({ url: `https://cdn.discordapp.com/attachments/1/2/${filename}?ex=a&is=b&hm=c`, filename, contentType, size: 1234 });

describe('findRemixImage on discord.js messages', () => {
  it('GIVEN a text file and then an image THEN the image attachment is used', () => {
    const found = findRemixImage(targetOf({ attachments: [file('notes.txt', 'text/plain'), file('cat.webp', 'image/webp')] }));
    expect(found?.kind).toBe('attachment');
    expect(found?.url).toContain('cat.webp');
    expect(found?.kind === 'attachment' && found.attachment.size).toBe(1234);
  });

  it('GIVEN only an SVG THEN there is no image to remix', () => {
    expect(findRemixImage(targetOf({ attachments: [file('logo.svg', 'image/svg+xml')] }))).toBeNull();
  });

  it("GIVEN a link preview THEN the embed image is read through Discord's media proxy", () => {
    const found = findRemixImage(
      targetOf({
        embeds: [{ type: 'rich' as never, image: { url: 'https://example.com/a.png', proxy_url: 'https://media.discordapp.net/external/x/a.png' } }],
      }),
    );
    expect(found).toEqual({ kind: 'embed', url: 'https://media.discordapp.net/external/x/a.png' });
  });

  it('GIVEN an embed with only a thumbnail and no proxy THEN its URL is used', () => {
    expect(findRemixImage(targetOf({ embeds: [{ thumbnail: { url: 'https://cdn.discordapp.com/t.png' } }] }))?.url).toBe('https://cdn.discordapp.com/t.png');
  });

  it('GIVEN a plain text message THEN there is nothing', () => {
    expect(findRemixImage(targetOf({ content: 'hello' }))).toBeNull();
  });

  it('reads the job id from one of our result embeds, and from nothing else', () => {
    expect(jobIdOfMessage(targetOf({ embeds: [{ footer: { text: 'job lq3k9v2a1b2c3d4e5 · gpu-1' } }] }))).toBe('lq3k9v2a1b2c3d4e5');
    expect(jobIdOfMessage(targetOf({ embeds: [{ footer: { text: 'job lq3k9v2a1b2c3d4e5' } }] }))).toBe('lq3k9v2a1b2c3d4e5');
    expect(jobIdOfMessage(targetOf({ embeds: [{ footer: { text: 'a blog job post' } }] }))).toBeNull();
  });
});

describe('isImageFile', () => {
  it('trusts the content type when there is one, the extension otherwise', () => {
    expect(isImageFile({ contentType: 'image/png; charset=binary', name: 'x.bin' })).toBe(true);
    expect(isImageFile({ contentType: 'application/pdf', name: 'x.png' })).toBe(false);
    expect(isImageFile({ contentType: null, name: 'photo.JPEG' })).toBe(true);
    expect(isImageFile({ contentType: null, name: 'archive.zip' })).toBe(false);
  });
});

describe('findRemixImages (Remix → Edit)', () => {
  it('GIVEN image attachments, a text file and an embed image THEN the images in order, attachments first, at most max', () => {
    const message = targetOf({
      attachments: [file('a.png', 'image/png'), file('notes.txt', 'text/plain'), file('b.jpg', 'image/jpeg')],
      embeds: [{ image: { url: 'https://example.com/c.png', proxy_url: 'https://media.discordapp.net/external/c.png' } }],
    });
    expect(findRemixImages(message, 3).map((image) => [image.kind, image.url.replace(/\?.*$/, '').split('/').pop()])).toEqual([
      ['attachment', 'a.png'],
      ['attachment', 'b.jpg'],
      ['embed', 'c.png'],
    ]);
    const again = targetOf({ attachments: [file('a.png', 'image/png'), file('b.jpg', 'image/jpeg')], embeds: [] });
    expect(findRemixImages(again, 1).map((image) => image.url)).toEqual([expect.stringContaining('a.png')]);
  });
});
