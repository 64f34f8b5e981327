import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { fromStoredHandle } from '../discord/reply-handle.ts';
import type { Job } from '../jobs/job.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { AdminOnlyError } from './command-errors.ts';

const SHOWN = 10;
const STATUS_ICONS: Record<Job['status'], string> = { queued: '⏳', submitted: '⏳', running: '🎨', done: '✅', failed: '⚠️', cancelled: '✖️' };

/** One line per job: status, prompt, template, when, and a link to its message. */
export function historyLines(jobs: Job[], guildId: string | null): string[] {
  return jobs.map((job) => {
    const prompt = String(job.spec.options['prompt'] ?? job.resolved?.['prompt'] ?? '(no prompt)')
      .replace(/\s+/g, ' ')
      .replace(/[*_`~|>\\]/g, '');
    const short = prompt.length > 60 ? `${prompt.slice(0, 59)}…` : prompt;
    const handle = fromStoredHandle(job.reply);
    const link =
      handle?.messageId && handle.channelId
        ? ` · [message](https://discord.com/channels/${guildId ?? '@me'}/${handle.channelId}/${handle.messageId})`
        : '';
    return `${STATUS_ICONS[job.status]} \`${job.id}\` ${short} · ${job.spec.template} · <t:${Math.floor(job.createdAt / 1000)}:R>${link}`;
  });
}

async function execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
  const requester = await requesterOf(interaction, context);
  const named = interaction.options.getUser('user');
  if (named && named.id !== requester.userId && !requester.isAdmin) {
    throw new AdminOnlyError("see another member's history", requester.userId);
  }
  const userId = named?.id ?? requester.userId;
  // Only what was made here: this guild's jobs, or in a DM the caller's own DM jobs.
  const jobs = context.store.recentForIn(userId, requester.guildId, SHOWN);
  const who = userId === requester.userId ? 'Your' : `<@${userId}>'s`;
  const content = jobs.length === 0 ? `${who} history is empty.` : `**${who} last ${jobs.length} jobs**\n${historyLines(jobs, interaction.guildId).join('\n')}`;
  await interaction.reply({ content: content.slice(0, 2000), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
}

export const historyCommand: SlashCommand = { name: 'history', execute };
