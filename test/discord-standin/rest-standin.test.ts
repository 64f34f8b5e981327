/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call -- reads the stand-in's JSON answers loosely, as a client of the wire would */
import { afterEach, describe, expect, it } from 'vitest';
import { DiscordRestStandin, type DiscordRestStandinOptions } from '../support/discord-standin/rest-standin.ts';
import {
  autocompleteInteraction,
  buttonInteraction,
  buttonRow,
  chatInputInteraction,
  commandOption,
  modalSubmitInteraction,
} from '../support/discord-standin/payloads.ts';

const TOKEN = 'rest-standin-test-token';
let rest: DiscordRestStandin | null = null;

afterEach(async () => {
  await rest?.close();
  rest = null;
});

async function start(options: DiscordRestStandinOptions = {}): Promise<DiscordRestStandin> {
  rest = await DiscordRestStandin.start({ botToken: TOKEN, ...options });
  return rest;
}

/** A request the way @discordjs/rest builds it: JSON, or multipart with payload_json and files[n]. */
async function call(standin: DiscordRestStandin, method: string, route: string, body?: unknown, files: Array<{ name: string; data: Buffer; type: string }> = [], bot = false) {
  const headers: Record<string, string> = bot ? { authorization: `Bot ${TOKEN}` } : {};
  let payload: string | FormData | undefined;
  if (files.length > 0) {
    const form = new FormData();
    files.forEach((file, index) => form.append(`files[${index}]`, new Blob([new Uint8Array(file.data)], { type: file.type }), file.name));
    if (body !== undefined) form.append('payload_json', JSON.stringify(body));
    payload = form;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${standin.apiBase}/v10${route}`, { method, headers, ...(payload === undefined ? {} : { body: payload }) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, any>) : null };
}

const bytes = (text: string) => Buffer.from(text, 'utf8');

describe('REST stand-in', () => {
  it('keeps, appends and drops attachments on edits with API v10 semantics', async () => {
    const s = await start();
    const raw = chatInputInteraction({ name: 'imagine', world: s.world });
    s.registerInteraction(raw);
    const webhook = `/webhooks/${raw.application_id}/${raw.token}/messages/@original`;

    await call(s, 'POST', `/interactions/${raw.id}/${raw.token}/callback`, { type: 4, data: { content: 'two files' } }, [
      { name: 'a.png', data: bytes('AAA'), type: 'image/png' },
      { name: 'b.txt', data: bytes('BBB'), type: 'text/plain' },
    ]);
    const [a, b] = s.originalMessage(raw.token)?.attachments ?? [];
    const kept = await call(s, 'PATCH', webhook, { content: 'no attachments field: all kept' });
    const appended = await call(s, 'PATCH', webhook, { attachments: [{ id: a?.id }, { id: '0' }] }, [
      { name: 'c.png', data: bytes('CCC'), type: 'image/png' },
      { name: 'unlisted.png', data: bytes('DDD'), type: 'image/png' },
    ]);
    const cleared = await call(s, 'PATCH', webhook, { attachments: [] });

    expect([a?.filename, b?.filename]).toEqual(['a.png', 'b.txt']);
    expect(kept.body?.attachments.map((x: { filename: string }) => x.filename)).toEqual(['a.png', 'b.txt']);
    expect(appended.body?.attachments.map((x: { filename: string }) => x.filename)).toEqual(['a.png', 'c.png']);
    expect(cleared.body?.attachments).toEqual([]);
    const c = appended.body?.attachments[1] as { url: string };
    expect(c.url).toMatch(/\/attachments\/\d+\/\d+\/c\.png\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$/);
    expect(Buffer.from(await (await fetch(c.url)).arrayBuffer()).toString()).toBe('CCC');
    const recorded = s.requests.find((r) => r.route === webhook && r.files.length === 2);
    expect(recorded?.files.map((f) => [f.name, f.filename, f.contentType, f.data.toString()])).toEqual([
      ['files[0]', 'c.png', 'image/png', 'CCC'],
      ['files[1]', 'unlisted.png', 'image/png', 'DDD'],
    ]);
  });

  it('refuses follow-ups before the acknowledgement and expires tokens after 15 minutes', async () => {
    let now = Date.now();
    const s = await start({ now: () => now });
    const raw = chatInputInteraction({ name: 'imagine', world: s.world, createdAt: now });
    s.registerInteraction(raw);

    const early = await call(s, 'POST', `/webhooks/${raw.application_id}/${raw.token}?wait=true`, { content: 'follow-up' });
    await call(s, 'POST', `/interactions/${raw.id}/${raw.token}/callback`, { type: 5 });
    const loading = await call(s, 'GET', `/webhooks/${raw.application_id}/${raw.token}/messages/@original`);
    const followUp = await call(s, 'POST', `/webhooks/${raw.application_id}/${raw.token}?wait=true`, { content: 'follow-up' });
    now += 15 * 60 * 1000 + 1;
    const expired = await call(s, 'PATCH', `/webhooks/${raw.application_id}/${raw.token}/messages/${followUp.body?.id}`, { content: 'late' });

    expect(early.body).toEqual({ message: 'Unknown Webhook', code: 10015 });
    expect(loading.body).toMatchObject({ flags: 128, type: 20, webhook_id: raw.application_id, author: { id: s.world.botUser.id } });
    expect(followUp.status).toBe(200);
    expect(expired).toMatchObject({ status: 401, body: { code: 50027, message: 'Invalid Webhook Token' } });
  });

  it('checks callback types against the interaction: autocomplete only with 8 and at most 25 choices, no modal after a modal', async () => {
    const s = await start();
    const complete = autocompleteInteraction({ name: 'imagine', world: s.world, options: [commandOption.string('model', 'sd', { focused: true })] });
    const modal = modalSubmitInteraction({ customId: 'edit', world: s.world, fields: { prompt: 'a fox' } });
    s.registerInteraction(complete);
    s.registerInteraction(modal);
    const choices = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `m${i}`, value: `m${i}` }));

    const deferred = await call(s, 'POST', `/interactions/${complete.id}/${complete.token}/callback`, { type: 5 });
    const tooMany = await call(s, 'POST', `/interactions/${complete.id}/${complete.token}/callback`, { type: 8, data: { choices: choices(26) } });
    const fine = await call(s, 'POST', `/interactions/${complete.id}/${complete.token}/callback`, { type: 8, data: { choices: choices(25) } });
    const modalAgain = await call(s, 'POST', `/interactions/${modal.id}/${modal.token}/callback`, { type: 9, data: { custom_id: 'x', title: 'x', components: [] } });

    expect([deferred.status, tooMany.status, fine.status, modalAgain.status]).toEqual([400, 400, 204, 400]);
    expect(tooMany.body?.errors).toEqual({ data: { choices: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 25 or fewer in length.' }] } } });
  });

  it('lets a button interaction update the message it sits on (callback type 7)', async () => {
    const s = await start();
    const command = chatInputInteraction({ name: 'imagine', world: s.world });
    s.registerInteraction(command);
    await call(s, 'POST', `/interactions/${command.id}/${command.token}/callback`, { type: 4, data: { content: 'result', components: [buttonRow({ customId: 'rerun', label: 'Re-run' })] } });
    const message = s.originalMessage(command.token);
    if (!message) throw new Error('no original message');
    const click = buttonInteraction({ customId: 'rerun', message, world: s.world });
    s.registerInteraction(click);

    const update = await call(s, `POST`, `/interactions/${click.id}/${click.token}/callback?with_response=true`, { type: 7, data: { content: 'queued again', components: [] } });

    expect(update.body).toMatchObject({ interaction: { id: click.id, type: 3, response_message_id: message.id }, resource: { type: 7, message: { id: message.id, content: 'queued again', components: [] } } });
    expect(s.originalMessage(click.token)?.id).toBe(message.id);
  });

  it('enforces message limits: 2000 characters, 10 files, the per-file size limit', async () => {
    const s = await start({ attachmentSizeLimit: 1000 });
    const channel = s.world.guild.channels[0]?.id ?? '';
    const file = (size: number) => ({ name: 'x.bin', data: Buffer.alloc(size), type: 'application/octet-stream' });

    const long = await call(s, 'POST', `/channels/${channel}/messages`, { content: 'x'.repeat(2001) }, [], true);
    const eleven = await call(s, 'POST', `/channels/${channel}/messages`, { content: 'files' }, Array.from({ length: 11 }, () => file(1)), true);
    const big = await call(s, 'POST', `/channels/${channel}/messages`, { content: 'big' }, [file(1001)], true);
    const empty = await call(s, 'POST', `/channels/${channel}/messages`, {}, [], true);

    expect(long).toMatchObject({ status: 400, body: { code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } });
    expect(eleven).toMatchObject({ status: 400, body: { code: 30015 } });
    expect(big).toMatchObject({ status: 413, body: { code: 40005 } });
    expect(empty).toMatchObject({ status: 400, body: { code: 50006 } });
  });

  it('stores commands with stable ids and refuses bad names and wrong tokens, never logging the token', async () => {
    const s = await start();
    const route = `/applications/${s.world.application.id}/guilds/${s.world.guild.id}/commands`;
    const imagine = { name: 'imagine', description: 'Generate an image', options: [{ type: 3, name: 'prompt', description: 'What to draw', required: true }] };

    const first = await call(s, 'PUT', route, [imagine], [], true);
    const second = await call(s, 'PUT', route, [imagine, { name: 'Upscale', type: 3 }], [], true);
    const badName = await call(s, 'PUT', route, [{ name: 'Imagine', description: 'x' }], [], true);
    const noToken = await call(s, 'PUT', route, [imagine]);

    expect(first.body?.[0]).toMatchObject({ name: 'imagine', type: 1, application_id: s.world.application.id, guild_id: s.world.guild.id });
    expect(second.body?.[0].id).toBe(first.body?.[0].id);
    expect(s.commands(s.world.guild.id).map((c) => c.name)).toEqual(['imagine', 'Upscale']);
    expect(badName).toMatchObject({ status: 400, body: { code: 50035, errors: { '0': { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } } } });
    expect(noToken).toMatchObject({ status: 401, body: { code: 0 } });
    expect(JSON.stringify(s.requests)).not.toContain(TOKEN);
    expect(s.requests.map((r) => r.authorization)).toEqual(['bot', 'bot', 'bot', 'absent']);
  });

  it('answers bursts past a bucket with 429, Retry-After and Discord headers; and past the global limit with a global 429', async () => {
    const s = await start({ rateLimits: { channelMessage: { limit: 2, windowMs: 5000 }, globalPerSecond: 4 } });
    const channel = s.world.guild.channels[0]?.id ?? '';

    const posts = await Promise.all([1, 2, 3].map((n) => call(s, 'POST', `/channels/${channel}/messages`, { content: `m${n}` }, [], true)));
    const refused = posts.find((p) => p.status === 429);
    const global = await Promise.all([1, 2].map(() => call(s, 'GET', '/users/@me', undefined, [], true)));

    expect(posts.map((p) => p.status).sort()).toEqual([200, 200, 429]);
    expect(refused?.body).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(refused?.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(refused?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(refused?.headers.get('x-ratelimit-scope')).toBe('user');
    expect(refused?.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    const globalRefusal = global.find((g) => g.status === 429);
    expect(globalRefusal?.body).toMatchObject({ global: true });
    expect(globalRefusal?.headers.get('x-ratelimit-global')).toBe('true');
    expect(s.count429).toBe(2);
  });
});
