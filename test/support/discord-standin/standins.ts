import { once } from 'node:events';
import { Events, GatewayIntentBits, type APIInteraction, type Client, type ClientOptions } from 'discord.js';
import { createStandinWorld, type StandinWorld } from './fixtures.ts';
import { DiscordGatewayStandin } from './gateway-standin.ts';
import { DiscordRestStandin, type DiscordRestStandinOptions } from './rest-standin.ts';

export const STANDIN_BOT_TOKEN = 'standin-bot-token.not-a-secret';

export interface DiscordStandins {
  world: StandinWorld;
  rest: DiscordRestStandin;
  gateway: DiscordGatewayStandin;
  botToken: string;
  /** Registers the interaction with the REST stand-in, then dispatches INTERACTION_CREATE. */
  sendInteraction(raw: APIInteraction): Promise<void>;
  /** The discord.js options that point a Client at the stand-ins; merge your own over them. */
  clientOptions(): ClientOptions;
  close(): Promise<void>;
}

export interface StartDiscordStandinsOptions {
  botToken?: string;
  world?: StandinWorld;
  rest?: Omit<DiscordRestStandinOptions, 'world' | 'botToken' | 'gatewayUrl'>;
  heartbeatIntervalMs?: number;
}

/** Starts both stand-ins on 127.0.0.1, wired together (GET /gateway/bot points at the gateway). */
export async function startDiscordStandins(options: StartDiscordStandinsOptions = {}): Promise<DiscordStandins> {
  const world = options.world ?? createStandinWorld();
  const botToken = options.botToken ?? STANDIN_BOT_TOKEN;
  const rest = await DiscordRestStandin.start({ ...options.rest, world, botToken });
  const gateway = await DiscordGatewayStandin.start({
    world,
    botToken,
    onInteraction: (raw) => void rest.registerInteraction(raw),
    ...(options.heartbeatIntervalMs === undefined ? {} : { heartbeatIntervalMs: options.heartbeatIntervalMs }),
  });
  rest.gatewayUrl = gateway.url;
  return {
    world,
    rest,
    gateway,
    botToken,
    sendInteraction: (raw) => gateway.sendInteraction(raw),
    clientOptions: () => ({ intents: [GatewayIntentBits.Guilds], rest: { api: rest.apiBase } }),
    close: async () => {
      await Promise.all([gateway.close(), rest.close()]);
    },
  };
}

/** Logs `client` in against the stand-ins and resolves once discord.js emits `clientReady`. */
export async function loginToStandins(client: Client, standins: DiscordStandins, timeoutMs = 5000): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`discord.js was not ready within ${timeoutMs} ms`)), timeoutMs);
  const ready = once(client, Events.ClientReady, { signal: controller.signal });
  ready.catch(() => undefined); // observed below; this only silences the rejection when login throws first
  try {
    await client.login(standins.botToken);
    await ready;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
}
