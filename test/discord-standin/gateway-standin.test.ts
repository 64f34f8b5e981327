import { once } from 'node:events';
import { constants as zlibConstants, createInflate } from 'node:zlib';
import { Client, Events, type Interaction } from 'discord.js';
import { WebSocket } from 'ws';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DiscordGatewayStandin } from '../support/discord-standin/gateway-standin.ts';
import { chatInputInteraction } from '../support/discord-standin/payloads.ts';
import { WaitableLog } from '../support/discord-standin/request-log.ts';
import { loginToStandins, startDiscordStandins, type DiscordStandins } from '../support/discord-standin/standins.ts';

interface Payload {
  op: number;
  d: unknown;
  s: number | null;
  t: string | null;
}

/** A bare gateway client: what discord.js does, minus discord.js, so each step can be checked. */
async function rawGatewayClient(url: string, query = 'v=10&encoding=json') {
  const socket = new WebSocket(`${url}/?${query}`);
  const received = new WaitableLog<Payload>((payload) => `op ${payload.op} ${payload.t ?? ''}`);
  const unterminated: number[] = [];
  if (query.includes('compress=zlib-stream')) {
    // One inflate context for the whole connection; each message ends with the 00 00 ff ff
    // of a sync flush, so flushing the inflater after it yields exactly one payload.
    const inflate = createInflate();
    const chunks: Buffer[] = [];
    inflate.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('message', (data: Buffer) => {
      if (data.subarray(-4).toString('hex') !== '0000ffff') unterminated.push(data.length);
      inflate.write(data);
      inflate.flush(zlibConstants.Z_SYNC_FLUSH, () => {
        received.add(JSON.parse(Buffer.concat(chunks.splice(0)).toString('utf8')) as Payload);
      });
    });
  } else {
    socket.on('message', (data: Buffer) => received.add(JSON.parse(data.toString('utf8')) as Payload));
  }
  const closed = once(socket, 'close') as Promise<[number, Buffer]>;
  await once(socket, 'open');
  return {
    socket,
    received,
    closed,
    unterminated,
    send: (payload: { op: number; d: unknown }) => socket.send(JSON.stringify(payload)),
  };
}

const identify = (token: string) => ({
  op: 2,
  d: { token, intents: 1, properties: { os: 'linux', browser: 'raw', device: 'raw' }, shard: [0, 1] },
});

describe('gateway stand-in, frame by frame', () => {
  let gateway: DiscordGatewayStandin;
  const sockets: WebSocket[] = [];

  beforeEach(async () => {
    gateway = await DiscordGatewayStandin.start({ botToken: 'right', heartbeatIntervalMs: 45_000 });
  });

  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.terminate();
    await gateway.close();
  });

  it('says HELLO, answers IDENTIFY with READY then GUILD_CREATE, ACKs heartbeats and numbers dispatches', async () => {
    const bot = await rawGatewayClient(gateway.url);
    sockets.push(bot.socket);

    const hello = await bot.received.waitFor((p) => p.op === 10, 1000);
    expect(hello.d).toEqual({ heartbeat_interval: 45_000 });
    bot.send(identify('right'));
    const ready = await bot.received.waitFor((p) => p.t === 'READY', 1000);
    const guild = await bot.received.waitFor((p) => p.t === 'GUILD_CREATE', 1000);
    const otherGuild = await bot.received.waitFor((p) => p.t === 'GUILD_CREATE' && p.s === 3, 1000);
    bot.send({ op: 1, d: 2 });
    await bot.received.waitFor((p) => p.op === 11, 1000);
    const raw = chatInputInteraction({ name: 'imagine', world: gateway.world });
    await gateway.sendInteraction(raw);
    const interaction = await bot.received.waitFor((p) => p.t === 'INTERACTION_CREATE', 1000);

    expect(ready).toMatchObject({ op: 0, s: 1, d: { v: 10, user: { id: gateway.world.botUser.id, bot: true }, resume_gateway_url: gateway.url } });
    expect(ready.d).toMatchObject({
      guilds: [
        { id: gateway.world.guild.id, unavailable: true },
        { id: gateway.world.otherGuild.id, unavailable: true },
      ],
      application: { id: gateway.world.application.id },
    });
    expect(guild).toMatchObject({ s: 2, d: { id: gateway.world.guild.id, unavailable: false, channels: [{ name: 'generations' }] } });
    expect(otherGuild).toMatchObject({ d: { id: gateway.world.otherGuild.id, channels: [{ name: 'other-generations' }] } });
    expect(interaction).toMatchObject({ op: 0, s: 4, d: { id: raw.id, token: raw.token } });
    const identifyFrame = await gateway.frames.waitFor((f) => f.op === 2, 100);
    expect(identifyFrame.d).toMatchObject({ tokenMatched: true, intents: 1 });
    expect(JSON.stringify(gateway.frames.entries)).not.toContain('"right"');
  });

  it('closes an IDENTIFY with the wrong token with 4004', async () => {
    const bot = await rawGatewayClient(gateway.url);
    sockets.push(bot.socket);
    await bot.received.waitFor((p) => p.op === 10, 1000);

    bot.send(identify('wrong'));
    const [code] = await bot.closed;

    expect(code).toBe(4004);
  });

  it('compresses with zlib-stream when asked (one deflate context, Z_SYNC_FLUSH per payload)', async () => {
    const bot = await rawGatewayClient(gateway.url, 'v=10&encoding=json&compress=zlib-stream');
    sockets.push(bot.socket);

    await bot.received.waitFor((p) => p.op === 10, 1000);
    bot.send(identify('right'));

    expect(await bot.received.waitFor((p) => p.t === 'READY', 1000)).toMatchObject({ s: 1 });
    expect(await bot.received.waitFor((p) => p.t === 'GUILD_CREATE', 1000)).toMatchObject({ s: 2 });
    expect(bot.unterminated).toEqual([]);
  });

  it('replays what a dropped session missed on RESUME, then sends RESUMED', async () => {
    const first = await rawGatewayClient(gateway.url);
    sockets.push(first.socket);
    first.send(identify('right'));
    const ready = await first.received.waitFor((p) => p.t === 'READY', 1000);
    await first.received.waitFor((p) => p.t === 'GUILD_CREATE' && p.s === 3, 1000);
    first.socket.close(4000);
    await first.closed;
    const missed = chatInputInteraction({ name: 'imagine', world: gateway.world });
    await gateway.sendInteraction(missed);

    const second = await rawGatewayClient(gateway.url);
    sockets.push(second.socket);
    second.send({ op: 6, d: { token: 'right', session_id: (ready.d as { session_id: string }).session_id, seq: 3 } });

    expect(await second.received.waitFor((p) => p.t === 'INTERACTION_CREATE', 1000)).toMatchObject({ s: 4, d: { id: missed.id } });
    expect(await second.received.waitFor((p) => p.t === 'RESUMED', 1000)).toMatchObject({ s: 5 });
  });

  it('refuses an API version other than 10 with 4012', async () => {
    const bot = await rawGatewayClient(gateway.url, 'v=9&encoding=json');
    sockets.push(bot.socket);

    const [code] = await bot.closed;

    expect(code).toBe(4012);
  });
});

describe('gateway stand-in with discord.js', () => {
  let standins: DiscordStandins;
  let client: Client | null = null;

  beforeEach(async () => {
    standins = await startDiscordStandins();
  });

  afterEach(async () => {
    await client?.destroy();
    client = null;
    await standins.close();
  });

  it('discord.js resumes after the gateway drops it with 4000 and still receives interactions', async () => {
    client = new Client(standins.clientOptions());
    await loginToStandins(client, standins);
    const received = new Promise<string>((resolve) => client?.once(Events.InteractionCreate, (i: Interaction) => resolve(i.id)));

    standins.gateway.closeConnections(4000);
    await standins.gateway.events.waitFor((event) => event.kind === 'resumed', 5000);
    const raw = chatInputInteraction({ name: 'imagine' });
    await standins.sendInteraction(raw);

    expect(await received).toBe(raw.id);
    const resume = await standins.gateway.frames.waitFor((frame) => frame.op === 6, 100);
    expect(resume.d).toMatchObject({ tokenMatched: true, seq: 3 });
  });
});
