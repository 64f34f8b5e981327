import { deferReplyWithRetry } from './defer-reply.ts';
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import type { SystemStats } from '../comfy/http.ts';
import { requesterOf } from './caller.ts';
import { COMMAND_NAMES } from './command-definitions.ts';
import { userMessageOf } from '../errors.ts';
import type { CommandContext, SlashCommand } from './command-context.ts';
import { dataDirUsage } from '../app/data-dir-usage.ts';
import { diskLine } from './disk-line.ts';
import { serverStatusEmbed, statsOf, type ServerHealth, type StatsResult } from './server-status-embed.ts';
import { AdminOnlyError, SubcommandUnknownError } from './command-errors.ts';

/** How long /comfy status waits for a server's /system_stats before calling it unreachable. */
export const STATS_TIMEOUT_MS = 3000;

/**
 * `/comfy status`: every server's health for admins. The command's default
 * permission hides it from most members, but a server owner can change that, so
 * the admin check here is what actually guards it.
 */
export const comfyCommand: SlashCommand = {
  name: COMMAND_NAMES.comfy,
  async execute(interaction: ChatInputCommandInteraction, context: CommandContext): Promise<void> {
    const requester = await requesterOf(interaction, context);
    if (!requester.isAdmin) throw new AdminOnlyError('use /comfy', requester.userId);
    const sub = interaction.options.getSubcommand(false);
    if (sub !== 'status') throw new SubcommandUnknownError('comfy', sub ?? '');
    // /system_stats may take up to the timeout: acknowledge first.
    await deferReplyWithRetry(interaction, { flags: MessageFlags.Ephemeral });
    const [servers, usage] = await Promise.all([serverHealth(context, STATS_TIMEOUT_MS), dataDirUsage(context.config.dataDir)]);
    // Counts only, never a job of another guild by name: the whole line, and this guild's share of it.
    const running = context.scheduler.running();
    const ours = (job: { guildId: string | null }) => job.guildId === requester.guildId;
    const line = {
      waiting: context.scheduler.waitingCount(),
      running: running.length,
      here: { waiting: context.scheduler.pending().filter(ours).length - running.filter(ours).length, running: running.filter(ours).length },
    };
    await interaction.editReply({ embeds: [serverStatusEmbed(servers, line, diskLine(usage))], allowedMentions: { parse: [] } });
    context.logger.info(
      { command: 'comfy status', userId: requester.userId, servers: servers.map((s) => ({ name: s.name, state: s.state, stats: s.stats.ok })) },
      'server status shown',
    );
  },
};

/** Each server's state with its /system_stats, read in parallel, each bounded by `timeoutMs`. */
export async function serverHealth(context: Pick<CommandContext, 'pool' | 'scheduler'>, timeoutMs: number): Promise<ServerHealth[]> {
  const load = context.scheduler.load();
  return Promise.all(
    context.pool.status().map(async (status): Promise<ServerHealth> => {
      const server = context.pool.get(status.name);
      const stats: StatsResult = server
        ? await readStats(() => server.systemStats(), timeoutMs)
        : { ok: false, reason: 'not configured' };
      return { ...status, running: load.get(status.name) ?? 0, stats };
    }),
  );
}

/** Never throws and never waits past `timeoutMs`: a dead server must not hold the whole view. */
export async function readStats(read: () => Promise<SystemStats>, timeoutMs: number): Promise<StatsResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StatsResult>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${Math.round(timeoutMs / 100) / 10} s` }), timeoutMs);
  });
  const answer = read().then(statsOf, (error: unknown): StatsResult => ({ ok: false, reason: userMessageOf(error) }));
  try {
    return await Promise.race([answer, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
