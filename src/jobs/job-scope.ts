import type { Job } from './job.ts';

/**
 * Where someone acts from: a guild, or (guildId null) their own DM with the bot.
 * A job belongs to the guild it was made in, or to the DM of the user who made it;
 * it is visible only from there. Admin rights come from the guild they are held in,
 * so they widen what one sees inside that guild and nowhere else.
 */
export interface Place {
  userId: string;
  guildId: string | null;
}

/** Who asks for something, and from where: what the Discord layer reads off an interaction. */
export interface Requester extends Place {
  userName: string;
  channelId: string | null;
  isAdmin: boolean;
}

export function inScope(job: Pick<Job, 'guildId' | 'userId'>, place: Place): boolean {
  if (place.guildId === null) return job.guildId === null && job.userId === place.userId;
  return job.guildId === place.guildId;
}

/** A job of this place the person may act on: their own, or any there for an admin of that guild. */
export function mayManage(job: Pick<Job, 'guildId' | 'userId'>, place: Place & { isAdmin: boolean }): boolean {
  return inScope(job, place) && (job.userId === place.userId || (place.isAdmin && place.guildId !== null));
}
