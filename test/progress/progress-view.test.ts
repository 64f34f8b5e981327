import { describe, expect, it } from 'vitest';
import type { ProgressSnapshot } from '../../src/jobs/progress.ts';
import { DISCORD_LIMITS, truncate } from '../../src/discord-limits.ts';
import type { MessageView } from '../../src/discord/message-view.ts';
import {
  buildCustomId,
  expectsFinalSoon,
  formatDuration,
  parseCustomId,
  progressBar,
  renderJobView,
  type JobInfo,
  type JobViewState,
} from '../../src/discord/progress-view.ts';

const job: JobInfo = {
  id: 'lq3k9v2a1b2c3d4e5',
  prompt: 'a lighthouse at dusk',
  negative: 'blurry',
  template: 'sdxl',
  seed: '18446744073709551615',
  steps: 30,
  cfg: 7,
  width: 1024,
  height: 1024,
  count: 1,
  server: 'gpu-1',
  requester: '123456789012345678',
};

function running(overrides: Partial<ProgressSnapshot> = {}): ProgressSnapshot {
  return {
    phase: 'running',
    ahead: null,
    node: { id: '5', classType: 'KSampler', index: 5, total: 9 },
    step: { value: 12, max: 30 },
    cachedNodes: 0,
    fraction: 0.41,
    percent: 41,
    etaMs: 17_200,
    elapsedMs: 9000,
    preview: null,
    text: null,
    activity: null,
    resyncing: false,
    resubmitted: null,
    ...overrides,
  };
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function expectWithinLimits(view: MessageView): void {
  const { embed } = view;
  expect(view.content.length).toBeLessThanOrEqual(DISCORD_LIMITS.content);
  expect(embed.title.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedTitle);
  expect(embed.description.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedDescription);
  expect(embed.footer.length).toBeLessThanOrEqual(DISCORD_LIMITS.footer);
  expect(embed.fields.length).toBeLessThanOrEqual(DISCORD_LIMITS.embedFields);
  for (const field of embed.fields) {
    expect(field.name.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldName);
    expect(field.value.length).toBeLessThanOrEqual(DISCORD_LIMITS.fieldValue);
    expect(field.value).not.toMatch(LONE_SURROGATE);
  }
  const total = embed.title.length + embed.description.length + embed.footer.length + embed.fields.reduce((n, f) => n + f.name.length + f.value.length, 0);
  expect(total).toBeLessThanOrEqual(DISCORD_LIMITS.embedTotal);
  for (const text of [view.content, embed.title, embed.description, embed.footer]) expect(text).not.toMatch(LONE_SURROGATE);
  expect(view.buttons.length).toBeLessThanOrEqual(DISCORD_LIMITS.actionRows);
  for (const row of view.buttons) {
    expect(row.length).toBeGreaterThan(0);
    expect(row.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonsPerRow);
    for (const button of row) {
      expect(button.customId.length).toBeLessThanOrEqual(DISCORD_LIMITS.customId);
      expect(button.label.length).toBeLessThanOrEqual(DISCORD_LIMITS.buttonLabel);
      expect(parseCustomId(button.customId)).not.toBeNull();
    }
  }
  const ids = view.buttons.flat().map((b) => b.customId);
  expect(new Set(ids).size).toBe(ids.length);
}

describe('renderJobView text', () => {
  it('GIVEN each state THEN the status line reads as designed', () => {
    expect(renderJobView(job, { kind: 'waiting', position: 3, total: 7 }).content).toBe('⏳ Queued — position 3 of 7');
    expect(renderJobView(job, { kind: 'running', progress: running() }).content).toBe(
      '🎨 Running — node 5/9 · step 12/30\n`▰▰▰▰▱▱▱▱▱▱` 41% · ~18 s left',
    );
    expect(renderJobView(job, { kind: 'running', progress: running({ activity: 'loading' }) }).content).toBe(
      '🎨 Running — node 5/9 · step 12/30\n`▰▰▰▰▱▱▱▱▱▱` 41% · ~18 s left\n-# Loading models…',
    );
    expect(renderJobView(job, { kind: 'running', progress: running({ phase: 'queued', ahead: 2, node: null, step: null }) }).content).toBe(
      '⏳ Queued — 2 ahead on the server',
    );
    expect(renderJobView(job, { kind: 'done', imageCount: 1, elapsedMs: 41_500 }).content).toBe('✅ Done in 42 s');
    expect(renderJobView(job, { kind: 'failed', userMessage: "model 'x.safetensors' is not on the server" }).content).toBe(
      "❌ Failed — model 'x.safetensors' is not on the server",
    );
    expect(renderJobView(job, { kind: 'cancelled' }).content).toBe('🚫 Cancelled');
  });

  it('draws a fixed-width bar and readable durations', () => {
    expect(progressBar(0)).toBe('▱▱▱▱▱▱▱▱▱▱');
    expect(progressBar(0.999)).toBe('▰▰▰▰▰▰▰▰▰▱');
    expect(progressBar(1)).toBe('▰▰▰▰▰▰▰▰▰▰');
    expect(progressBar(1.7)).toHaveLength(10);
    expect(formatDuration(185_000)).toBe('3 min 05 s');
    expect(formatDuration(3_720_000)).toBe('1 h 02 min');
  });

  it('GIVEN a preview THEN it is attached as preview.jpg and shown in the embed', () => {
    const image = Buffer.from([0xff, 0xd8, 0xff]);
    const view = renderJobView(job, { kind: 'running', progress: running({ preview: { image, mime: 'image/jpeg', sequence: 3, receivedAt: 0 } }) });
    expect(view.files).toEqual([{ name: 'preview.jpg', data: image, id: 'preview:3', kind: 'preview' }]);
    expect(view.embed.imageAttachmentName).toBe('preview.jpg');
    expect(renderJobView(job, { kind: 'cancelled' }).embed.imageAttachmentName).toBeUndefined();
  });

  it('GIVEN markdown and mentions in a prompt THEN they are shown literally', () => {
    const view = renderJobView({ ...job, prompt: '**bold** ||spoiler|| <@123> `code`' }, { kind: 'cancelled' });
    expect(view.embed.description).toBe('\\*\\*bold\\*\\* \\|\\|spoiler\\|\\| \\<@123\\> \\`code\\`');
  });
});

describe('renderJobView limits', () => {
  const chunk = 'castle 🏰 👩‍👩‍👧‍👦 🇫🇷 é ‮עברית‬ مرحبا \u200b\u200d\u2067zero\u2069 **x** ';
  const huge = chunk.repeat(Math.ceil(10_000 / chunk.length)).slice(0, 10_000);

  it('GIVEN a 10,000-character prompt with emoji, RTL and zero-width text THEN every limit holds', () => {
    const big: JobInfo = { ...job, prompt: huge, negative: huge, template: huge, server: huge, requester: huge, count: 4 };
    const states: JobViewState[] = [
      { kind: 'waiting', position: 1, total: 1 },
      { kind: 'running', progress: running({ text: huge, resubmitted: huge, resyncing: true }) },
      { kind: 'done', imageCount: 4, elapsedMs: 1 },
      { kind: 'failed', userMessage: huge },
      { kind: 'cancelled' },
    ];
    for (const state of states) expectWithinLimits(renderJobView(big, state));
    const view = renderJobView(big, { kind: 'cancelled' });
    expect(view.embed.description.endsWith('…')).toBe(true);
    expect(view.embed.description.length).toBeGreaterThan(1000); // shortened to fit, not emptied
  });

  it('cuts on grapheme boundaries, never inside an emoji sequence', () => {
    const family = '👩‍👩‍👧‍👦';
    const cut = truncate(`ab${family}cd`, 6);
    expect(cut).toBe('ab…');
    expect(truncate(`ab${family}cd`, 2 + family.length + 1)).toBe(`ab${family}…`);
    expect(truncate('short', 5)).toBe('short');
  });
});

describe('renderJobView buttons', () => {
  const ids = (view: MessageView) => view.buttons.map((row) => row.map((b) => b.customId));

  it('GIVEN one image THEN Reroll, Vary, Upscale and Delete, then the Zoom Out (with Vary (Region)) and Pan rows', () => {
    const view = renderJobView(job, { kind: 'done', imageCount: 1, elapsedMs: 1000 });
    expect(ids(view)[0]).toEqual([`cc:reroll:${job.id}`, `cc:vary:${job.id}:0`, `cc:upscale:${job.id}:0`, `cc:delete:${job.id}`]);
    expect(view.buttons[0]?.map((b) => b.label)).toEqual(['Reroll', 'Vary', 'Upscale', 'Delete']);
    expect(view.buttons[1]?.map((b) => b.label)).toEqual(['Zoom Out 1.5×', 'Zoom Out 2×', 'Custom Zoom', 'Make Square', 'Vary (Region)']);
    expect(view.buttons[2]?.map((b) => b.emoji)).toEqual(['⬅️', '➡️', '⬆️', '⬇️']);
  });

  it('GIVEN four images THEN U1..U4 and V1..V4 name each image', () => {
    const view = renderJobView({ ...job, count: 4 }, { kind: 'done', imageCount: 4, elapsedMs: 1000 });
    expect(view.buttons).toHaveLength(4);
    expect(view.buttons[1]?.map((b) => b.label)).toEqual(['U1', 'U2', 'U3', 'U4']);
    expect(view.buttons[3]?.map((b) => parseCustomId(b.customId)?.action)).toEqual(['edits', 'edits', 'edits', 'edits']);
    expect(view.buttons[2]?.map((b) => b.label)).toEqual(['V1', 'V2', 'V3', 'V4']);
    expect(view.buttons[1]?.map((b) => parseCustomId(b.customId))).toEqual(
      [0, 1, 2, 3].map((imageIndex) => ({ action: 'upscale', jobId: job.id, imageIndex })),
    );
    expectWithinLimits(view);
  });

  it('GIVEN a job in progress THEN only Cancel', () => {
    expect(ids(renderJobView(job, { kind: 'running', progress: running() }))).toEqual([[`cc:cancel:${job.id}`]]);
    expect(ids(renderJobView(job, { kind: 'waiting', position: 1, total: 2 }))).toEqual([[`cc:cancel:${job.id}`]]);
  });
});

describe('expectsFinalSoon', () => {
  it('GIVEN a sampler in its last two seconds, or the images being collected THEN the final is near; otherwise not', () => {
    const state = (progress: ProgressSnapshot): JobViewState => ({ kind: 'running', progress });
    expect(expectsFinalSoon(state(running({ etaMs: 1900 })))).toBe(true);
    expect(expectsFinalSoon(state(running({ phase: 'done', step: null, etaMs: null })))).toBe(true);
    expect(expectsFinalSoon(state(running({ etaMs: 17_200 })))).toBe(false);
    expect(expectsFinalSoon(state(running({ etaMs: null })))).toBe(false);
    expect(expectsFinalSoon(state(running({ phase: 'queued', step: null, etaMs: 0 })))).toBe(false);
    expect(expectsFinalSoon({ kind: 'waiting', position: 1, total: 1 })).toBe(false);
  });
});

describe('custom ids', () => {
  it('round-trips every action', () => {
    for (const intent of [
      { action: 'cancel', jobId: 'abc', imageIndex: null },
      { action: 'reroll', jobId: 'a_b-C9', imageIndex: null },
      { action: 'upscale', jobId: 'abc', imageIndex: 3 },
      { action: 'vary', jobId: 'x'.repeat(64), imageIndex: 99 },
      { action: 'delete', jobId: 'abc', imageIndex: null },
    ] as const) {
      expect(parseCustomId(buildCustomId(intent))).toEqual(intent);
    }
  });

  it('rejects anything it did not build', () => {
    for (const bad of [
      '',
      'cc',
      'cc:reroll:',
      'cc:explode:abc',
      'xx:reroll:abc',
      'cc:reroll:a b',
      'cc:cancel:abc:1',
      'cc:upscale:abc:01',
      'cc:upscale:abc:-1',
      'cc:upscale:abc:100',
      'cc:upscale:abc:1:2',
      `cc:reroll:${'x'.repeat(65)}`,
      'cc:reroll:abc\u0000',
    ]) {
      expect(parseCustomId(bad), bad).toBeNull();
    }
    const codeOf = (build: () => unknown): unknown => {
      try {
        build();
      } catch (error) {
        return (error as { code?: unknown }).code;
      }
      return 'no error';
    };
    expect(codeOf(() => buildCustomId({ action: 'reroll', jobId: 'has:colon', imageIndex: null }))).toBe('CUSTOM_ID_INVALID');
    expect(codeOf(() => buildCustomId({ action: 'delete', jobId: 'abc', imageIndex: 1 }))).toBe('CUSTOM_ID_INVALID');
  });
});
