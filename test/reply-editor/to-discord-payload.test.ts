import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookClient } from 'discord.js';
import { planEdit } from '../../src/discord/edit-plan.ts';
import type { EditPayload } from '../../src/discord/message-view.ts';
import { renderJobView, type JobInfo } from '../../src/discord/progress-view.ts';
import { toDiscordCreate, toDiscordEdit } from '../../src/discord/to-discord-payload.ts';

/**
 * What discord.js actually puts on the wire for our payloads: a loopback server stands
 * in for the webhook route, and discord.js's WebhookClient (the same MessagePayload
 * code `interaction.editReply` uses) sends to it.
 */
interface Captured {
  json: Record<string, unknown>;
  files: Array<{ field: string; name: string; size: number }>;
}

let server: Server;
let captured: Captured[] = [];
let webhook: WebhookClient;

async function readBody(request: IncomingMessage): Promise<Captured> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  const type = request.headers['content-type'] ?? '';
  if (!type.startsWith('multipart/form-data')) return { json: JSON.parse(body.toString('utf8')) as Record<string, unknown>, files: [] };
  // Deprecated for servers parsing untrusted uploads; this reads our own request back.
  // eslint-disable-next-line @typescript-eslint/no-deprecated
  const form = await new Response(body, { headers: { 'content-type': type } }).formData();
  const files: Captured['files'] = [];
  let json: Record<string, unknown> = {};
  for (const [field, value] of form.entries()) {
    if (typeof value === 'string') json = JSON.parse(value) as Record<string, unknown>;
    else files.push({ field, name: value.name, size: value.size });
  }
  return { json, files };
}

beforeAll(async () => {
  server = createServer((request, response) => {
    void readBody(request).then((body) => {
      captured.push(body);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ id: '2', channel_id: '3', content: '', embeds: [], attachments: [], type: 0 }));
    });
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  webhook = new WebhookClient({ id: '1', token: 'interaction-token' }, { rest: { api: `http://127.0.0.1:${port}/api`, retries: 0, timeout: 5000 } });
});

afterAll(async () => {
  webhook.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const job: JobInfo = {
  id: 'job1',
  prompt: 'a fox <@&1> @everyone',
  negative: null,
  template: 'sdxl',
  seed: 42,
  steps: 20,
  cfg: 7,
  width: 512,
  height: 512,
  count: 1,
  server: null,
  requester: '99',
};

async function send(payload: EditPayload): Promise<Captured> {
  captured = [];
  await webhook.editMessage('@original', toDiscordEdit(payload));
  expect(captured).toHaveLength(1);
  return captured[0]!;
}

describe('toDiscordEdit through discord.js', () => {
  const preview = { image: Buffer.alloc(300, 1), mime: 'image/jpeg' as const, sequence: 1, receivedAt: 0 };
  const progress = {
    phase: 'running' as const,
    ahead: null,
    node: null,
    step: null,
    cachedNodes: 0,
    fraction: 0.5,
    percent: 50,
    etaMs: null,
    elapsedMs: 1,
    preview,
    text: null,
    activity: null,
    resyncing: false,
    resubmitted: null,
  };

  it('GIVEN a new preview THEN it is uploaded as the only attachment and shown in the embed', async () => {
    const jobView = renderJobView(job, { kind: 'running', progress });
    const { payload } = planEdit(jobView, { attached: [], lastPreviewUploadAt: null }, 0, 4000);
    const { json, files } = await send(payload);
    expect(files).toEqual([{ field: 'files[0]', name: 'preview.jpg', size: 300 }]);
    expect(json['attachments']).toEqual([{ id: '0' }]); // only the new file: whatever was attached before is dropped
    expect(json['embeds']).toEqual([expect.objectContaining({ image: { url: 'attachment://preview.jpg' }, description: expect.any(String) })]);
    expect(json['allowed_mentions']).toEqual({ parse: [] });
    expect(json['components']).toEqual([
      { type: 1, components: [{ type: 2, custom_id: 'cc:cancel:job1', label: 'Cancel', style: 4, emoji: { name: '✖️' } }] },
    ]);
  });

  it('GIVEN a held-back preview THEN nothing is uploaded and the attachments are left alone', async () => {
    const jobView = renderJobView(job, { kind: 'running', progress: { ...progress, preview: { ...preview, sequence: 2 } } });
    const shown = { name: 'preview.jpg', data: Buffer.alloc(1), id: 'preview:1', kind: 'preview' as const };
    const { payload } = planEdit(jobView, { attached: [shown], lastPreviewUploadAt: 0 }, 1000, 4000);
    const { json, files } = await send(payload);
    expect(files).toEqual([]);
    expect(json).not.toHaveProperty('attachments');
    expect(json['embeds']).toEqual([expect.objectContaining({ image: { url: 'attachment://preview.jpg' } })]);
  });

  it('GIVEN a failure after a preview THEN the preview attachment is removed', async () => {
    const jobView = renderJobView(job, { kind: 'failed', userMessage: 'boom' });
    const shown = { name: 'preview.jpg', data: Buffer.alloc(1), id: 'preview:1', kind: 'preview' as const };
    const { payload } = planEdit(jobView, { attached: [shown], lastPreviewUploadAt: 0 }, 1000, 4000);
    const { json } = await send(payload);
    expect(json['attachments']).toEqual([]);
    expect(json['embeds']).toEqual([expect.not.objectContaining({ image: expect.anything() })]);
  });

  it('GIVEN a message to post again THEN every file it shows is uploaded', () => {
    const shown = { name: 'preview.jpg', data: Buffer.alloc(1), id: 'preview:1', kind: 'preview' as const };
    const jobView = renderJobView(job, { kind: 'running', progress });
    const { payload } = planEdit(jobView, { attached: [shown], lastPreviewUploadAt: 0 }, 1000, 4000);
    const create = toDiscordCreate(payload);
    expect(create.files).toEqual([{ attachment: shown.data, name: 'preview.jpg' }]);
    expect(create.allowedMentions).toEqual({ parse: [] });
  });
});
