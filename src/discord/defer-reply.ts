import { DiscordAPIError, HTTPError, type InteractionDeferReplyOptions, type RepliableInteraction } from 'discord.js';

/** Discord invalidates an interaction not answered within 3 s; stop retrying a little before. */
const ACK_DEADLINE_MS = 2_700;
const BACKOFF_MS = [100, 250, 500, 1000];

/**
 * deferReply that survives a short Discord outage: discord.js retries a 5xx three
 * times back to back, which a burst of a few hundred ms outlasts. This keeps trying
 * with backoff until just before the 3 s deadline. "Already acknowledged" (40060) on
 * a retry means an earlier attempt did reach Discord: that is success.
 */
export async function deferReplyWithRetry(interaction: RepliableInteraction, options: InteractionDeferReplyOptions = {}): Promise<void> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      await interaction.deferReply(options);
      return;
    } catch (error) {
      if (error instanceof DiscordAPIError && error.code === 40060) return;
      const transient = error instanceof HTTPError || (error instanceof DiscordAPIError && error.status >= 500) || isNetworkError(error);
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
      if (!transient || Date.now() + wait - interaction.createdTimestamp > ACK_DEADLINE_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

function isNetworkError(error: unknown): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'].includes(code);
}
