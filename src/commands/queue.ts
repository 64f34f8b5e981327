import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from '../discord/caller.ts';
import { COMMAND_NAMES } from '../discord/command-definitions.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { formatQueue, type QueueReport } from './queue-text.ts';

/** `/queue`: the caller's jobs and places in line, the line as a whole, each server. Ephemeral. */
export const queueCommand: SlashCommand = {
  name: COMMAND_NAMES.queue,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = requesterOf(interaction, context.access);
    const report = queueReport(requester.userId, context);
    await interaction.reply({ content: formatQueue(report), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    context.logger.info({ command: 'queue', userId: requester.userId, mine: report.mine.length, waiting: report.waiting }, 'queue shown');
  },
};

/** Everything /queue shows, read from the scheduler and the pool at one moment. */
export function queueReport(userId: string, context: Pick<CommandContext, 'scheduler' | 'pool'>): QueueReport {
  const pending = context.scheduler.pending();
  const places = pending.map((job) => ({ job, place: context.scheduler.position(job.id) }));
  const waiting = places.filter((entry) => entry.place !== null).length;
  return {
    mine: places.filter((entry) => entry.job.userId === userId),
    waiting,
    running: pending.length - waiting,
    servers: context.pool.status().map(({ name, state, queueRemaining, inFlight }) => ({ name, state, queueRemaining, inFlight })),
  };
}
