import type { JobReplyHandle } from '../jobs/job.ts';

/**
 * What a job keeps of its Discord reply so any process, even after a restart, can
 * edit it: the interaction webhook (application id + token, valid 15 minutes from
 * `createdAt`), the channel and message ids for editing with the bot token after
 * that, and the upload limit the interaction reported. The token is a secret: it is
 * stored, never logged.
 */
export interface ReplyHandle {
  applicationId: string;
  /** To acknowledge the interaction again after a restart; null in handles saved before it was kept. */
  interactionId: string | null;
  token: string;
  /**
   * Whether Discord is known to have taken the deferral. The job is saved before the
   * deferral is sent, so a restarted bot finds jobs for which it is false and sends it
   * again (Discord's "already acknowledged" then confirms the first one went out).
   */
  acknowledged: boolean;
  channelId: string | null;
  /** Known after the first edit of the deferred reply. */
  messageId: string | null;
  createdAt: number;
  /** `attachment_size_limit` of the interaction, null when absent. */
  sizeLimit: number | null;
  spoiler: boolean;
  /** Who to mention if the reply has to be posted again as a new message. */
  userId: string;
}

export function toStoredHandle(handle: ReplyHandle): JobReplyHandle {
  return { ...handle, spoiler: handle.spoiler ? 1 : 0, acknowledged: handle.acknowledged ? 1 : 0 };
}

export function fromStoredHandle(stored: JobReplyHandle | null): ReplyHandle | null {
  if (stored === null) return null;
  const text = (key: string): string | null => (typeof stored[key] === 'string' ? (stored[key]) : null);
  const number = (key: string): number | null => (typeof stored[key] === 'number' ? (stored[key]) : null);
  const applicationId = text('applicationId');
  const token = text('token');
  const createdAt = number('createdAt');
  const userId = text('userId');
  if (applicationId === null || token === null || createdAt === null || userId === null) return null;
  return {
    applicationId,
    interactionId: text('interactionId'),
    token,
    // Handles saved before this field existed were saved after their deferral.
    acknowledged: stored['acknowledged'] !== 0,
    channelId: text('channelId'),
    messageId: text('messageId'),
    createdAt,
    sizeLimit: number('sizeLimit'),
    spoiler: stored['spoiler'] === 1,
    userId,
  };
}
