import type { APIInteraction } from 'discord.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chatInputInteraction, commandOption, type OptionInput } from '../support/discord-standin/payloads.ts';
import { startCommandHarness, type CommandHarness } from './command-harness.ts';

/**
 * GIVEN a channel default that became invalid after it was stored (an older bot version
 * stored it, the template went away or changed its bounds) THEN /imagine in that channel
 * says which default it is and who can change it, ephemerally, and queues nothing.
 */

let harness: CommandHarness;
beforeEach(async () => {
  harness = await startCommandHarness();
});
afterEach(async () => {
  await harness.close();
});

function channel(): { channelId: string; guildId: string } {
  const guild = harness.standins.world.guild;
  return { channelId: guild.channels[0]!.id, guildId: guild.id };
}

async function answerTo(raw: APIInteraction): Promise<{ type: number; content: string | undefined }> {
  await harness.send(raw);
  const request = await harness.standins.rest.waitForRequest((r) => r.route === `/interactions/${raw.id}/${raw.token}/callback`, 3000);
  const json = request.json as { type: number; data?: { content?: string } };
  return { type: json.type, content: json.data?.content };
}

const imagine = (...extra: OptionInput[]) => chatInputInteraction({ name: 'imagine', options: [commandOption.string('prompt', 'a fox'), ...extra] });
const queued = () => harness.context.scheduler.pending().length;

describe('a channel default that is no longer valid', () => {
  it('an out-of-range size stored before /settings checked it', async () => {
    const { channelId, guildId } = channel();
    harness.context.settings.set(channelId, guildId, { size: { width: 99992, height: 99992 } });
    const answer = await answerTo(imagine());
    expect(answer.content).toMatch(/^⚠️ this channel's default size is no longer valid; an admin can change it with `\/settings` \(width must be between \d+ and \d+, got 99992\)$/u);
    expect(queued()).toBe(0);
  });

  it('steps of a billion', async () => {
    const { channelId, guildId } = channel();
    harness.context.settings.set(channelId, guildId, { steps: 1_000_000_000 });
    expect((await answerTo(imagine())).content).toMatch(/^⚠️ this channel's default steps is no longer valid; an admin can change it with `\/settings`/u);
    expect(queued()).toBe(0);
  });

  it('a template that is no longer installed', async () => {
    const { channelId, guildId } = channel();
    harness.context.settings.set(channelId, guildId, { template: 'removed-long-ago' });
    expect((await answerTo(imagine())).content).toBe(
      "⚠️ this channel's default template is no longer valid; an admin can change it with `/settings` (there is no template 'removed-long-ago' any more)",
    );
    expect(queued()).toBe(0);
  });

  it('what the user typed replaces the default, so the job goes ahead', async () => {
    const { channelId, guildId } = channel();
    harness.context.settings.set(channelId, guildId, { size: { width: 99992, height: 99992 }, steps: 1_000_000_000 });
    const answer = await answerTo(imagine(commandOption.string('size', '512x512'), commandOption.integer('steps', 4)));
    expect(answer.type).toBe(5);
    expect(queued()).toBe(1);
  });
});
