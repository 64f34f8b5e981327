/** Where a job or a press happens, for the defaults in force there: an interaction has both (a DM has no guild). */
export interface Place {
  readonly channelId: string | null;
  readonly guildId: string | null;
}
