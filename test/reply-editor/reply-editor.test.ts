import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReplyDeliveryError } from '../../src/discord/edit-errors.ts';
import { ReplyEditor, type ReplyEditorOptions } from '../../src/discord/reply-editor.ts';
import { createLogger } from '../../src/log.ts';
import { discordErrors, FakeDiscord, view } from './fake-sink.ts';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(options: ReplyEditorOptions = {}, latencyMs = 50) {
  const discord = new FakeDiscord(latencyMs);
  const editor = new ReplyEditor({ random: () => 0.5, ...options });
  const track = (...keys: string[]) => keys.forEach((key) => editor.track(key, discord.sink(key)));
  return { discord, editor, track };
}

const tick = (ms: number) => vi.advanceTimersByTimeAsync(ms);

/** Observes a promise without awaiting it, so a test fails on its assertion instead of hanging. */
function watch(promise: Promise<void>): { state: 'pending' | 'resolved' | 'rejected'; error: unknown } {
  const seen: { state: 'pending' | 'resolved' | 'rejected'; error: unknown } = { state: 'pending', error: undefined };
  promise.then(
    () => (seen.state = 'resolved'),
    (error: unknown) => Object.assign(seen, { state: 'rejected', error }),
  );
  return seen;
}

describe('ReplyEditor under load', () => {
  it('GIVEN 20 bot-token messages updated at 20 Hz THEN the global share, the interval and one-in-flight hold, and the latest state wins', async () => {
    const rate = 15;
    const minIntervalMs = 500;
    const previewIntervalMs = 1000;
    const { discord, editor, track } = setup({ editsPerSecond: rate, minIntervalMs, previewIntervalMs }, 80);
    const keys = Array.from({ length: 20 }, (_, i) => `m${i}`);
    track(...keys);
    const last = new Map<string, string>();
    let n = 0;
    const start = Date.now();
    const feeder = setInterval(() => {
      n += 1;
      for (const key of keys) {
        const content = `${key} step ${n}`;
        last.set(key, content);
        editor.update(key, view(content, { preview: n }));
      }
    }, 50);
    await tick(4000);
    clearInterval(feeder);
    const duringLoad = discord.edits.length;
    await tick(10_000);

    const times = discord.edits.map((e) => e.at);
    for (const t of times) {
      const inWindow = times.filter((u) => u >= t && u < t + 1000).length;
      expect(inWindow).toBeLessThanOrEqual(rate);
    }
    expect(duringLoad).toBeGreaterThanOrEqual((rate - Math.ceil(rate / 10)) * 4 - 2); // the share is used (progress leaves a tenth to finals), not wasted
    expect(discord.maxInFlightPerKey).toBe(1);
    for (const key of keys) {
      const edits = discord.editsOf(key);
      expect(edits.filter((e) => e.at < start + 4000).length).toBeGreaterThanOrEqual(2); // fair share
      for (let i = 1; i < edits.length; i += 1) expect(edits[i]!.at - edits[i - 1]!.at).toBeGreaterThanOrEqual(minIntervalMs);
      const uploads = edits.filter((e) => e.payload.attachments === 'replace').map((e) => e.at);
      for (let i = 1; i < uploads.length; i += 1) expect(uploads[i]! - uploads[i - 1]!).toBeGreaterThanOrEqual(previewIntervalMs);
      expect(edits.at(-1)?.payload.content).toBe(last.get(key));
      expect(edits.at(-1)?.payload.embed.imageAttachmentName).toBe('preview.jpg');
    }
    const stats = editor.stats();
    expect(stats.editsSent).toBe(discord.edits.length);
    expect(stats.droppedSuperseded).toBeGreaterThan(1000);
    await editor.close();
  });
});

describe('ReplyEditor per-message interval', () => {
  it('GIVEN 20 messages at 20 Hz and an ample budget THEN each message is edited once per interval, no faster', async () => {
    const minIntervalMs = 500;
    const { discord, editor, track } = setup({ editsPerSecond: 50, minIntervalMs }, 30);
    const keys = Array.from({ length: 20 }, (_, i) => `m${i}`);
    track(...keys);
    let n = 0;
    const feeder = setInterval(() => {
      n += 1;
      for (const key of keys) editor.update(key, view(`${key} ${n}`));
    }, 50);
    await tick(3000);
    clearInterval(feeder);
    for (const key of keys) {
      const gaps = discord.editsOf(key).map((e, i, all) => e.at - (all[i - 1]?.at ?? Number.NEGATIVE_INFINITY)).slice(1);
      expect(gaps.length).toBeGreaterThanOrEqual(4);
      for (const gap of gaps) {
        expect(gap).toBeGreaterThanOrEqual(minIntervalMs);
        expect(gap).toBeLessThanOrEqual(minIntervalMs + 100);
      }
    }
    await editor.close();
  });
});

describe('ReplyEditor cost', () => {
  it('GIVEN 1,000 messages updated in one tick THEN they are handled in one pass, and a message updated twice sends only its latest', async () => {
    let clockReads = 0;
    const now = () => {
      clockReads += 1;
      return Date.now();
    };
    const { discord, editor, track } = setup({ now, editsPerSecond: 5, minIntervalMs: 0 });
    const keys = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    track(...keys);
    clockReads = 0;
    for (const key of keys) editor.update(key, view(`${key} position 1`));
    editor.update('m0', view('m0 position 2'));
    // A pass reads the clock a few times (itself, the budget); a pass per update would read it 1,000+ times.
    expect(clockReads).toBe(0);
    await tick(0);
    expect(clockReads).toBeLessThan(20);
    expect(discord.edits).toHaveLength(4); // 5 a second, a tenth (rounded up) kept for finals
    expect(discord.edits[0]!.payload.content).toBe('m0 position 2');
    expect(editor.stats().droppedSuperseded).toBe(1);
    await editor.close();
  });
});

describe('ReplyEditor per message', () => {
  it('GIVEN states arriving during an edit THEN only the latest is sent next', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0 }, 1000);
    track('a');
    editor.update('a', view('v1'));
    await tick(10);
    editor.update('a', view('v2'));
    editor.update('a', view('v3'));
    editor.update('a', view('v4'));
    await tick(3000);
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['v1', 'v4']);
    expect(discord.maxInFlightPerKey).toBe(1);
    expect(editor.stats().droppedSuperseded).toBe(2);
  });

  it('GIVEN a state equal to what is shown THEN no edit is sent', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0 });
    track('a');
    editor.update('a', view('same'));
    await tick(100);
    editor.update('a', view('same'));
    await tick(100);
    expect(discord.edits).toHaveLength(1);
    expect(editor.stats().skippedUnchanged).toBe(1);
  });

  it('GIVEN a throttled preview and no further states THEN the held-back preview still goes out when due', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 100, previewIntervalMs: 2000 });
    track('a');
    editor.update('a', view('p', { preview: 1 }));
    await tick(500);
    editor.update('a', view('p', { preview: 2 }));
    await tick(500);
    expect(discord.edits).toHaveLength(1); // same text, older preview kept: nothing to send yet
    await tick(1500);
    const edits = discord.edits;
    expect(edits).toHaveLength(2);
    expect(edits[1]!.at - edits[0]!.at).toBeGreaterThanOrEqual(2000);
    expect(edits[1]!.payload.files.map((f) => f.id)).toEqual(['preview:2']);
  });

  it('GIVEN a new state while a preview is throttled THEN the edit keeps the previous attachment on show', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 100, previewIntervalMs: 2000 });
    track('a');
    editor.update('a', view('step 1', { preview: 1 }));
    await tick(300);
    editor.update('a', view('step 2', { preview: 2 }));
    await tick(300);
    const second = discord.edits[1]!.payload;
    expect(second).toMatchObject({ content: 'step 2', attachments: 'keep', files: [] });
    expect(second.embed.imageAttachmentName).toBe('preview.jpg');
    expect(second.resultingFiles.map((f) => f.id)).toEqual(['preview:1']);
    await tick(2000);
    expect(discord.edits).toHaveLength(3); // the newer preview follows once due, with no new state needed
    expect(discord.edits[2]!.payload.files.map((f) => f.id)).toEqual(['preview:2']);
    expect(discord.edits[2]!.at - discord.edits[0]!.at).toBeGreaterThanOrEqual(2000);
  });
});

describe('ReplyEditor finals', () => {
  it('GIVEN a final right after an edit THEN it waits only for the edit in flight, not the interval', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 1500 }, 200);
    track('a');
    editor.update('a', view('running'));
    await tick(50);
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    editor.update('a', view('stale progress'));
    await tick(400);
    expect(delivered.state).toBe('resolved');
    editor.update('a', view('later progress'));
    await tick(3000);
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['running', 'done']);
    const [first, final] = discord.edits;
    expect(final!.at - first!.at).toBe(200);
  });

  it('GIVEN the progress share spent and progress waiting THEN a final goes at once, ahead of it', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0, editsPerSecond: 10 });
    const keys = Array.from({ length: 12 }, (_, i) => `p${i}`);
    track(...keys, 'z');
    const start = Date.now();
    for (const key of keys) editor.update(key, view(`${key} 1`));
    await tick(10);
    expect(discord.edits).toHaveLength(9); // progress may use 9 of the 10 a second
    const delivered = watch(editor.update('z', view('z final'), { final: true }));
    await tick(100);
    expect(delivered.state).toBe('resolved');
    expect(discord.editsOf('z')[0]!.at - start).toBe(10); // no wait for the window
    await tick(1000);
    expect(discord.edits.slice(10).map((e) => e.key)).toEqual(['p9', 'p10', 'p11']);
    expect(discord.edits[10]!.at - start).toBeGreaterThanOrEqual(1000);
  });

  it('GIVEN more bot-token finals than the share THEN they go first, as fast as the window allows, and progress after them', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0, editsPerSecond: 4 });
    const keys = Array.from({ length: 10 }, (_, i) => `f${i}`);
    track(...keys, 'p');
    const start = Date.now();
    const finals = keys.map((key) => watch(editor.update(key, view(`${key} done`), { final: true })));
    editor.update('p', view('progress'));
    await tick(100);
    expect(discord.edits.map((e) => e.key)).toEqual(['f0', 'f1', 'f2', 'f3']);
    await tick(2000);
    expect(finals.every((f) => f.state === 'resolved')).toBe(true);
    const times = discord.edits.map((e) => e.at);
    for (const t of times) expect(times.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(4);
    const progress = discord.editsOf('p');
    expect(progress).toHaveLength(1);
    expect(discord.edits.at(-1)?.key).toBe('p');
    expect(progress[0]!.at - start).toBeLessThan(3100);
  });

  it('GIVEN a global 429 THEN a final waits it out too', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0 });
    track('a', 'b');
    discord.failNext('a', discordErrors.rateLimited(1, true));
    editor.update('a', view('a1'));
    await tick(60);
    const delivered = watch(editor.update('b', view('b done'), { final: true }));
    await tick(500);
    expect(delivered.state).toBe('pending');
    await tick(1000);
    expect(delivered.state).toBe('resolved');
    expect(discord.editsOf('b')[0]!.at - discord.editsOf('a')[0]!.at).toBeGreaterThanOrEqual(1050);
  });

  it('GIVEN 5xx, network and 429 failures THEN the final is retried, honouring retry_after, until delivered', async () => {
    const { discord, editor, track } = setup({ retryBaseMs: 100, retryMaxMs: 1000 });
    track('a');
    discord.failNext('a', discordErrors.serverError(), discordErrors.network(), discordErrors.rateLimited(0.7));
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    editor.update('a', view('late progress'));
    await tick(5000);
    expect(delivered.state).toBe('resolved');
    const edits = discord.editsOf('a');
    expect(edits.map((e) => e.payload.content)).toEqual(['done', 'done', 'done', 'done']);
    expect(edits[3]!.at - edits[2]!.at).toBeGreaterThanOrEqual(700 + 50);
    expect(editor.stats()).toMatchObject({ retries: 3, editsFailed: 3, finalsDelivered: 1 });
  });

  it('GIVEN a final failing and a newer final THEN the newer one is delivered and settles both', async () => {
    const { discord, editor, track } = setup({ retryBaseMs: 100 }, 100);
    track('a');
    discord.failNext('a', discordErrors.serverError());
    const first = watch(editor.update('a', view('done v1'), { final: true }));
    await tick(50);
    const second = watch(editor.update('a', view('done v2'), { final: true }));
    await tick(2000);
    expect([first.state, second.state]).toEqual(['resolved', 'resolved']);
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['done v1', 'done v2']);
  });

  it('GIVEN a permanent failure THEN the final rejects with a typed error and a structured log line', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const { discord, editor, track } = setup({ logger: createLogger({ level: 'warn', destination }) });
    track('job-7');
    discord.failNext('job-7', discordErrors.invalidForm());
    const delivered = watch(editor.update('job-7', view('done'), { final: true }));
    await tick(500);
    expect(delivered.state).toBe('rejected');
    const error = delivered.error;
    expect(error).toBeInstanceOf(ReplyDeliveryError);
    expect((error as ReplyDeliveryError).code).toBe('REPLY_UNDELIVERABLE');
    expect(discord.edits).toHaveLength(1);
    const logged = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((l) => l['messageKey'] === 'job-7');
    expect(logged).toMatchObject({ messageKey: 'job-7', attempt: 1, status: 400, code: 50035, final: true });
    expect(editor.stats().finalsFailed).toBe(1);
  });

  it('GIVEN a final for an unknown message THEN it rejects without throwing synchronously', async () => {
    const { editor } = setup();
    await expect(editor.update('nope', view('x'), { final: true })).rejects.toBeInstanceOf(ReplyDeliveryError);
    expect(() => editor.update('nope', view('x'))).not.toThrow();
  });

  it('GIVEN a global 429 THEN every message waits it out', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0 });
    track('a', 'b');
    discord.failNext('a', discordErrors.rateLimited(1, true));
    editor.update('a', view('a1'));
    await tick(60);
    editor.update('b', view('b1'));
    await tick(3000);
    const b = discord.editsOf('b');
    expect(b).toHaveLength(1);
    expect(b[0]!.at - discord.editsOf('a')[0]!.at).toBeGreaterThanOrEqual(1050);
  });

  it('GIVEN close() with a final in flight THEN it resolves once the final is delivered and refuses new work', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 1500 }, 300);
    track('a', 'b');
    editor.update('a', view('progress'));
    await tick(10);
    const final = watch(editor.update('a', view('done'), { final: true }));
    editor.update('b', view('b progress'));
    let closed = false;
    void editor.close().then(() => (closed = true));
    await tick(1000);
    expect(closed).toBe(true);
    expect(final.state).toBe('resolved');
    expect(discord.editsOf('a').map((e) => e.payload.content)).toEqual(['progress', 'done']);
    await expect(editor.update('a', view('again'), { final: true })).rejects.toBeInstanceOf(ReplyDeliveryError);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('ReplyEditor routes', () => {
  const webhook = (name = 'interaction') => ({ name, botToken: false });
  const channel = { name: 'channel', botToken: true };

  it('GIVEN interaction-webhook routes THEN their edits are not charged to the global share', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0, editsPerSecond: 2 });
    const keys = Array.from({ length: 10 }, (_, i) => `w${i}`);
    for (const key of keys) editor.track(key, discord.routedSink(key, [webhook()]));
    editor.track('bot', discord.routedSink('bot', [channel]));
    editor.track('bot2', discord.routedSink('bot2', [channel]));
    editor.track('bot3', discord.routedSink('bot3', [channel]));
    for (const key of [...keys, 'bot', 'bot2', 'bot3']) editor.update(key, view(`${key} 1`));
    await tick(10);
    expect(discord.edits.filter((e) => e.key.startsWith('w'))).toHaveLength(10); // all at once
    expect(discord.edits.filter((e) => e.key.startsWith('bot'))).toHaveLength(1); // 2 a second, one kept for finals
    await editor.close();
  });

  it('GIVEN a final answered 429 retry_after 3600 THEN it goes by the next route at once, and that route is not retried', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0 });
    const sink = discord.routedSink('a', [webhook(), channel]);
    editor.track('a', sink);
    discord.failNext('a@interaction', discordErrors.rateLimited(3600));
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    await tick(200);
    expect(delivered.state).toBe('resolved');
    expect(discord.edits.map((e) => e.key)).toEqual(['a@interaction', 'a@channel']);
    expect(editor.stats()).toMatchObject({ finalsDelivered: 1, finalsRerouted: 1 });
  });

  it('GIVEN a 429 of 20 s (under the limit) THEN the final waits it out on its route', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0, maxRetryAfterMs: 30_000 });
    editor.track('a', discord.routedSink('a', [webhook(), channel]));
    discord.failNext('a@interaction', discordErrors.rateLimited(20));
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    await tick(19_000);
    expect(delivered.state).toBe('pending');
    await tick(2000);
    expect(delivered.state).toBe('resolved');
    expect(discord.edits.map((e) => e.key)).toEqual(['a@interaction', 'a@interaction']);
  });

  it('GIVEN 5xx on every try THEN the final moves on after maxRetryAfterMs, not after ten tries', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0, maxRetryAfterMs: 5000, retryBaseMs: 500 });
    editor.track('a', discord.routedSink('a', [webhook(), channel]));
    discord.failNext('a@interaction', ...Array.from({ length: 20 }, () => discordErrors.serverError()));
    const start = Date.now();
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    await tick(8000);
    expect(delivered.state).toBe('resolved');
    const onChannel = discord.editsOf('a@channel');
    expect(onChannel).toHaveLength(1);
    expect(onChannel[0]!.at - start).toBeGreaterThanOrEqual(5000);
    expect(onChannel[0]!.at - start).toBeLessThanOrEqual(5200);
    expect(discord.editsOf('a@interaction').length).toBeLessThan(10);
  });

  it('GIVEN a route a progress edit found held for an hour THEN the final never tries it', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0 });
    editor.track('a', discord.routedSink('a', [webhook(), channel]));
    discord.failNext('a@interaction', discordErrors.rateLimited(3600));
    editor.update('a', view('running'));
    await tick(100);
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    await tick(100);
    expect(delivered.state).toBe('resolved');
    expect(discord.edits.map((e) => `${e.key}:${e.payload.content}`)).toEqual(['a@interaction:running', 'a@channel:done']);
  });

  it('GIVEN every route held THEN the final fails at once with a typed error instead of waiting an hour', async () => {
    const { discord, editor } = setup({ minIntervalMs: 0 });
    editor.track('a', discord.routedSink('a', [webhook()]));
    discord.failNext('a@interaction', discordErrors.rateLimited(3600));
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    await tick(100);
    expect(delivered.state).toBe('rejected');
    expect(delivered.error).toBeInstanceOf(ReplyDeliveryError);
  });

  it('GIVEN a progress edit in flight (slow, then failing) when the final comes THEN nothing but the final lands after it', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0 }, 800);
    track('a');
    discord.failNext('a', discordErrors.serverError());
    editor.update('a', view('running 50%'));
    await tick(100);
    const delivered = watch(editor.update('a', view('done'), { final: true }));
    editor.update('a', view('running 60%'));
    await tick(5000);
    expect(delivered.state).toBe('resolved');
    // The failed progress edit is not retried after the final was asked for; the final waited for it to end.
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['running 50%', 'done']);
    expect(discord.edits[1]!.at - discord.edits[0]!.at).toBeGreaterThanOrEqual(800);
  });
});
