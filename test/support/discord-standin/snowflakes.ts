import { randomBytes } from 'node:crypto';
import { SnowflakeUtil } from 'discord.js';

/**
 * Ids the stand-ins hand out. They are real Discord snowflakes so that discord.js's
 * bucket routing (which only treats 17-19 digit ids as major parameters) and
 * `createdTimestamp` behave as they do against Discord.
 */
export function mintSnowflake(at: number = Date.now()): string {
  return SnowflakeUtil.generate({ timestamp: at }).toString();
}

/** When a snowflake was minted; Discord derives an interaction's deadline from this. */
export function snowflakeTime(id: string): number {
  return SnowflakeUtil.timestampFrom(id);
}

/** An interaction token shaped like Discord's (base64url of `interaction:<id>:<secret>`). */
export function mintInteractionToken(interactionId: string): string {
  return Buffer.from(`interaction:${interactionId}:${randomBytes(48).toString('base64url')}`).toString('base64url');
}

/** Hex digits for the signed CDN parameters (`ex`, `is`, `hm`) of an attachment URL. */
export function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}
