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
  it('GIVEN 20 messages updated at 20 Hz THEN the global budget, the interval and one-in-flight hold, and the latest state wins', async () => {
    const rate = 10;
    const burst = 5;
    const minIntervalMs = 500;
    const previewIntervalMs = 1000;
    const { discord, editor, track } = setup({ editsPerSecond: rate, burst, minIntervalMs, previewIntervalMs }, 80);
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
      expect(inWindow).toBeLessThanOrEqual(burst + rate);
    }
    expect(duringLoad).toBeGreaterThanOrEqual(burst + rate * 4 - 5); // the budget is used, not wasted
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
    const { discord, editor, track } = setup({ editsPerSecond: 50, burst: 20, minIntervalMs }, 30);
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
    const { discord, editor, track } = setup({ now, editsPerSecond: 5, burst: 5, minIntervalMs: 0 });
    const keys = Array.from({ length: 1000 }, (_, i) => `m${i}`);
    track(...keys);
    clockReads = 0;
    for (const key of keys) editor.update(key, view(`${key} position 1`));
    editor.update('m0', view('m0 position 2'));
    // A pass reads the clock a few times (itself, the budget); a pass per update would read it 1,000+ times.
    expect(clockReads).toBe(0);
    await tick(0);
    expect(clockReads).toBeLessThan(20);
    expect(discord.edits).toHaveLength(5);
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

  it('GIVEN the budget spent and progress waiting THEN a final goes at once, and progress makes way for it', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0, editsPerSecond: 1, burst: 1 });
    track('a', 'b', 'c', 'z');
    const start = Date.now();
    editor.update('a', view('a1'));
    await tick(10);
    editor.update('b', view('b1'));
    editor.update('c', view('c1'));
    const delivered = watch(editor.update('z', view('z final'), { final: true }));
    await tick(100);
    expect(delivered.state).toBe('resolved');
    expect(discord.editsOf('z')[0]!.at - start).toBe(10); // no wait for a token
    await tick(1000);
    // The final was charged: the next progress edit waits for the bucket to refill past it.
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['a1', 'z final']);
    await tick(2000);
    expect(discord.edits.map((e) => e.payload.content)).toEqual(['a1', 'z final', 'b1', 'c1']);
  });

  it('GIVEN many finals at once and a small budget THEN none waits for a token, and progress resumes within one burst', async () => {
    const { discord, editor, track } = setup({ minIntervalMs: 0, editsPerSecond: 2, burst: 2 });
    const keys = Array.from({ length: 10 }, (_, i) => `f${i}`);
    track(...keys, 'p');
    const start = Date.now();
    const finals = keys.map((key) => watch(editor.update(key, view(`${key} done`), { final: true })));
    editor.update('p', view('progress'));
    await tick(100);
    expect(finals.every((f) => f.state === 'resolved')).toBe(true);
    expect(discord.edits.filter((e) => e.key !== 'p').every((e) => e.at === start)).toBe(true);
    await tick(3000);
    // Debt is capped at one burst: progress starts once the bucket is back from -2 to 1 (1.5 s at 2/s).
    const progress = discord.editsOf('p');
    expect(progress).toHaveLength(1);
    expect(progress[0]!.at - start).toBeGreaterThanOrEqual(1500);
    expect(progress[0]!.at - start).toBeLessThanOrEqual(1600);
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
