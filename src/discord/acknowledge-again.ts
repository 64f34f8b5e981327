import { DiscordAPIError, InteractionResponseType, Routes, type Client } from 'discord.js';
import type { Job } from '../jobs/job.ts';
import type { Logger } from '../log.ts';
import { redactRequestError } from '../redact/request-error.ts';
import { fromStoredHandle, toStoredHandle } from './reply-handle.ts';

/** Discord's codes for the two answers that settle the question. */
const ALREADY_ACKNOWLEDGED = 40060;
const UNKNOWN_INTERACTION = 10062;
/** An interaction token lives 15 minutes; past that no callback can succeed. */
const TOKEN_LIFETIME_MS = 15 * 60_000;

/**
 * A job is saved before its deferral is sent, so a bot killed in between (or before it
 * heard Discord's answer) restarts not knowing whether the user saw "thinking…". This
 * sends the deferral again, by REST with the stored interaction id and token:
 *   - accepted, or refused as already acknowledged (40060): the reply exists, edits go
 *     through the interaction webhook as usual;
 *   - unknown interaction (10062, the 3 s window passed without an acknowledgement):
 *     there is no reply to edit; the reply routes then post the job's message in the
 *     channel instead (reply-routes.ts), and the handle stops asking.
 * Returns null for a job with nothing to ask (acknowledged already, no interaction id,
 * token expired: the channel route takes over by itself).
 */
export function acknowledgeAgain(client: Client, job: Job, logger: Logger, now: () => number = Date.now): Promise<Job['reply']> | null {
  const handle = fromStoredHandle(job.reply);
  if (handle === null || handle.acknowledged || handle.interactionId === null) return null;
  if (now() - handle.createdAt >= TOKEN_LIFETIME_MS) return null;
  const route = Routes.interactionCallback(handle.interactionId, handle.token);
  return client.rest
    .post(route, { body: { type: InteractionResponseType.DeferredChannelMessageWithSource }, auth: false })
    .then(
      () => 'sent now' as const,
      (error: unknown) => {
        if (error instanceof DiscordAPIError && error.code === ALREADY_ACKNOWLEDGED) return 'sent before' as const;
        if (error instanceof DiscordAPIError && error.code === UNKNOWN_INTERACTION) return 'never' as const;
        throw redactRequestError(error);
      },
    )
    .then((outcome) => {
      logger.info({ jobId: job.id, outcome }, 'deferral after restart');
      return outcome === 'never' ? toStoredHandle({ ...handle, interactionId: null }) : toStoredHandle({ ...handle, acknowledged: true });
    });
}
