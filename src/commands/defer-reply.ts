import { DiscordAPIError, HTTPError, type InteractionDeferReplyOptions, type RepliableInteraction } from 'discord.js';
import { isNetworkError } from '../network-errors.ts';
import { withRetry, type RetryPolicy } from '../retry.ts';

/** Discord invalidates an interaction not answered within 3 s; stop retrying a little before. */
const ACK_DEADLINE_MS = 2_700;
const DEFER_RETRY: RetryPolicy = { baseMs: 100, maxMs: 1_000, stepsMs: [100, 250, 500, 1_000] };

/**
 * deferReply that survives a short Discord outage: discord.js retries a 5xx three
 * times back to back, which a burst of a few hundred ms outlasts. This keeps trying
 * with backoff until just before the 3 s deadline. "Already acknowledged" (40060) on
 * a retry means an earlier attempt did reach Discord: that is success.
 */
export async function deferReplyWithRetry(interaction: RepliableInteraction, options: InteractionDeferReplyOptions = {}): Promise<void> {
  await withRetry(
    async () => {
      try {
        await interaction.deferReply(options);
      } catch (error) {
        if (error instanceof DiscordAPIError && error.code === 40060) return;
        throw error;
      }
    },
    {
      policy: DEFER_RETRY,
      retryable: (error) => error instanceof HTTPError || (error instanceof DiscordAPIError && error.status >= 500) || isNetworkError(error),
      deadline: interaction.createdTimestamp + ACK_DEADLINE_MS,
    },
  );
}
