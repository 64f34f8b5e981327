import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DiscordAPIError, HTTPError, RateLimitError, RESTJSONErrorCodes } from 'discord.js';
import { classifyEditError, ReplyDeliveryError } from '../../src/discord/edit-errors.ts';
import type { EditPayload } from '../../src/discord/message-view.ts';
import { ReplyEditor } from '../../src/discord/reply-editor.ts';
import { ReplyTarget, type EditRoute } from '../../src/discord/reply-target.ts';
import { discordErrors, view } from './fake-sink.ts';

interface RouteLog {
  calls: Array<{ route: string; at: number; content: string }>;
  failures: Map<string, unknown[]>;
}

function routes(log: RouteLog) {
  const route =
    (name: string): EditRoute =>
    async (payload: EditPayload) => {
      log.calls.push({ route: name, at: Date.now(), content: payload.content });
      const failure = log.failures.get(name)?.shift();
      if (failure !== undefined) throw failure as Error;
    };
  return {
    editViaInteraction: route('interaction'),
    editViaChannel: route('channel'),
    postNewMessage: async (payload: EditPayload) => {
      await route('post')(payload);
      return route('reposted');
    },
  };
}

function setup(createdAgoMs = 0) {
  const log: RouteLog = { calls: [], failures: new Map() };
  const target = new ReplyTarget({ ...routes(log), interactionCreatedAt: Date.now() - createdAgoMs, messageKey: 'job-1' });
  const failNext = (route: string, ...errors: unknown[]) => log.failures.set(route, errors);
  return { log, target, failNext, names: () => log.calls.map((c) => c.route) };
}

const payload = (content: string): EditPayload => ({
  content,
  embed: view(content).embed,
  buttons: [],
  files: [],
  attachments: 'keep',
  resultingFiles: [],
});

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ReplyTarget routes', () => {
  it('GIVEN a young token THEN edits use the interaction; past 14 min THEN the channel', async () => {
    const { target, names } = setup();
    await target.edit(payload('a'));
    vi.advanceTimersByTime(14 * 60_000 - 1);
    await target.edit(payload('b'));
    vi.advanceTimersByTime(1);
    await target.edit(payload('c'));
    expect(names()).toEqual(['interaction', 'interaction', 'channel']);
    expect(target.route).toBe('channel');
  });

  it.each([
    ['50027 Invalid Webhook Token', discordErrors.invalidToken()],
    ['10015 Unknown Webhook', discordErrors.unknownWebhook()],
  ])('GIVEN %s from the interaction route THEN it switches to the channel at once and stays there', async (_name, error) => {
    const { target, names, failNext } = setup();
    failNext('interaction', error);
    await target.edit(payload('a'));
    await target.edit(payload('b'));
    expect(names()).toEqual(['interaction', 'channel', 'channel']);
  });

  it('GIVEN the channel message is gone THEN it posts a new message and edits that one afterwards', async () => {
    const { target, names, failNext, log } = setup(20 * 60_000);
    failNext('channel', discordErrors.unknownMessage());
    await target.edit(payload('a'));
    await target.edit(payload('b'));
    expect(names()).toEqual(['channel', 'post', 'reposted']);
    expect(log.calls[1]?.content).toBe('a');
    expect(target.route).toBe('reposted');
  });

  it('GIVEN a transient error THEN it is thrown for the editor to retry, and the route is kept', async () => {
    const { target, names, failNext } = setup();
    failNext('interaction', discordErrors.serverError());
    await expect(target.edit(payload('a'))).rejects.toMatchObject({ status: 503 });
    await target.edit(payload('a'));
    expect(names()).toEqual(['interaction', 'interaction']);
  });

  it('GIVEN no channel route (ephemeral) and an expired token THEN it fails with a typed error', async () => {
    const log: RouteLog = { calls: [], failures: new Map() };
    const target = new ReplyTarget({
      editViaInteraction: routes(log).editViaInteraction,
      editViaChannel: null,
      postNewMessage: null,
      interactionCreatedAt: Date.now() - 15 * 60_000,
    });
    await expect(target.edit(payload('a'))).rejects.toBeInstanceOf(ReplyDeliveryError);
    expect(log.calls).toHaveLength(0);
  });
});

describe('ReplyTarget behind the ReplyEditor', () => {
  it('GIVEN a job outliving its token THEN progress moves to channel edits and the final survives a deleted message', async () => {
    const { target, log, failNext } = setup();
    const editor = new ReplyEditor({ minIntervalMs: 1000, random: () => 0.5 });
    editor.track('job-1', target);
    editor.update('job-1', view('step 1'));
    await vi.advanceTimersByTimeAsync(10 * 60_000);
    editor.update('job-1', view('step 2'));
    await vi.advanceTimersByTimeAsync(5 * 60_000);
    editor.update('job-1', view('step 3'));
    await vi.advanceTimersByTimeAsync(1000);
    failNext('channel', discordErrors.unknownMessage());
    let delivered = false;
    void editor.update('job-1', view('done'), { final: true }).then(() => (delivered = true));
    await vi.advanceTimersByTimeAsync(1000);
    expect(delivered).toBe(true);
    expect(log.calls.map((c) => `${c.route}:${c.content}`)).toEqual([
      'interaction:step 1',
      'interaction:step 2',
      'channel:step 3',
      'channel:done',
      'post:done',
    ]);
    await editor.close();
  });
});

describe('classifyEditError on discord.js errors', () => {
  const body = { files: undefined, body: undefined };
  it('reads DiscordAPIError, HTTPError, RateLimitError and network errors', () => {
    const apiError = (status: number, code: number) => new DiscordAPIError({ code, message: 'x' }, code, status, 'PATCH', '/x', body);
    expect(classifyEditError(apiError(401, RESTJSONErrorCodes.InvalidWebhookToken)).kind).toBe('token_invalid');
    expect(classifyEditError(apiError(404, RESTJSONErrorCodes.UnknownWebhook)).kind).toBe('token_invalid');
    expect(classifyEditError(apiError(404, RESTJSONErrorCodes.UnknownMessage)).kind).toBe('message_unreachable');
    expect(classifyEditError(apiError(403, RESTJSONErrorCodes.MissingAccess)).kind).toBe('message_unreachable');
    expect(classifyEditError(apiError(400, RESTJSONErrorCodes.InvalidFormBodyOrContentType)).kind).toBe('permanent');
    expect(classifyEditError(new HTTPError(502, 'Bad Gateway', 'PATCH', '/x', body)).kind).toBe('transient');
    const limited = new RateLimitError({
      timeToReset: 2500,
      limit: 5,
      method: 'PATCH',
      hash: 'h',
      url: '/x',
      route: '/webhooks/:id/:token/messages/:id',
      majorParameter: '1',
      global: false,
      retryAfter: 2500,
      sublimitTimeout: 0,
      scope: 'user',
    });
    expect(classifyEditError(limited)).toMatchObject({ kind: 'rate_limited', retryAfterMs: 2500, global: false });
    expect(classifyEditError(discordErrors.rateLimited(1.5, true))).toMatchObject({ kind: 'rate_limited', retryAfterMs: 1500, global: true });
    expect(classifyEditError(discordErrors.network()).kind).toBe('transient');
    expect(classifyEditError(new TypeError('bug')).kind).toBe('permanent');
  });
});
