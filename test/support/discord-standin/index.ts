/** Discord stand-ins for tests: start them, build interactions, point discord.js at them. */
export { apiErrors, discordError, fieldError, type StandinReply } from './api-errors.ts';
export { commandOption, uploadedAttachment, type OptionInput } from './command-options.ts';
export type { MatchableRequest, RequestMatcher } from './fault-injector.ts';
export { createStandinWorld, STANDIN_CHANNEL_PERMISSIONS, type StandinGuild, type StandinWorld } from './fixtures.ts';
export { DiscordGatewayStandin, type DiscordGatewayStandinOptions, type GatewayEvent, type GatewayFrame } from './gateway-standin.ts';
export type { InteractionRecord } from './interaction-ledger.ts';
export {
  autocompleteInteraction,
  buttonInteraction,
  buttonRow,
  channelMessage,
  chatInputInteraction,
  messageContextMenuInteraction,
  modalSubmitInteraction,
  stringSelectInteraction,
  type InteractionScene,
} from './payloads.ts';
export { routeHeld, tooManyRequests, type RateLimitConfig, type RateLimitRule } from './rate-limiter.ts';
export type { RecordedFile, RecordedRequest } from './request-log.ts';
export { DiscordRestStandin, type DiscordRestStandinOptions } from './rest-standin.ts';
export { mintSnowflake, snowflakeTime } from './snowflakes.ts';
export { loginToStandins, startDiscordStandins, STANDIN_BOT_TOKEN, type DiscordStandins, type StartDiscordStandinsOptions } from './standins.ts';
