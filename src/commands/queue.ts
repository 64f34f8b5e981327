import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { inScope, type Place } from '../jobs/job-scope.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { formatQueue, type QueueReport } from './queue-text.ts';

/** `/queue`: the caller's jobs and places in line, the line as a whole, each server. Ephemeral. */
export const queueCommand: SlashCommand = {
  name: COMMAND_NAMES.queue,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    const report = queueReport(requester, context);
    await interaction.reply({ content: formatQueue(report), flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    context.logger.info({ command: 'queue', userId: requester.userId, mine: report.mine.length, waiting: report.waiting }, 'queue shown');
  },
};

/**
 * Everything /queue shows, read from the scheduler and the pool at one moment. The
 * caller's jobs are those made where they ask; the line and the servers are counts.
 */
export function queueReport(place: Place, context: Pick<CommandContext, 'scheduler' | 'pool'>): QueueReport {
  // One pass over the line for everyone's places, rather than a search of it per job.
  const waiting = context.scheduler.waiting();
  const places = new Map(waiting.map((job, index) => [job.id, index + 1]));
  const pending = context.scheduler.pendingFor(place.userId).filter((job) => inScope(job, place));
  const placeOf = (jobId: string) => {
    const position = places.get(jobId);
    return position === undefined ? null : { position, total: waiting.length };
  };
  return {
    mine: pending.map((job) => ({ job, place: placeOf(job.id) })),
    waiting: waiting.length,
    running: context.scheduler.running().length,
    servers: context.pool.status().map(({ name, state, queueRemaining, inFlight }) => ({ name, state, queueRemaining, inFlight })),
  };
}
