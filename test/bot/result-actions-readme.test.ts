import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { APIInteraction, APIMessage } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buttonInteraction, commandOption } from '../support/discord-standin/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness } from './harness.ts';

/**
 * The README's picture of a result's actions (issue 14.4) is drawn from what the bot
 * really sends: a one-image result, a 4-image batch and the batch's ✏️ 2 reply, read
 * from the Discord stand-in and rendered as text, must equal the block between the
 * README's `result-actions` markers. So the picture cannot drift from the code; when the
 * buttons change, this test prints the new block to paste. Discord's limits are checked
 * on the same components: at most 5 rows of 5 buttons, every custom_id within 100
 * characters even with the longest job id the ids allow (64 characters).
 */

const START = '<!-- result-actions:start (drawn by test/bot/result-actions-readme.test.ts) -->';
const END = '<!-- result-actions:end -->';
const LONGEST_JOB_ID = 64;

interface Button {
  type: number;
  label?: string;
  emoji?: { name?: string };
  custom_id?: string;
}
type Rows = Array<{ type: number; components: Button[] }>;

const jobIdOf = (message: APIMessage | undefined): string => /job (\S+)/.exec(message?.embeds[0]?.footer?.text ?? '')?.[1] ?? '';

/** Discord's limits on one message's rows, as the issue states them. */
function expectWithinLimits(rows: Rows, jobId: string): void {
  expect(rows.length).toBeLessThanOrEqual(5);
  for (const row of rows) {
    expect(row.type).toBe(1);
    expect(row.components.length).toBeLessThanOrEqual(5);
    for (const button of row.components) {
      const id = button.custom_id ?? '';
      expect(id.startsWith(`cc:`) && id.includes(`:${jobId}`)).toBe(true);
      expect(id.replace(jobId, 'x'.repeat(LONGEST_JOB_ID)).length).toBeLessThanOrEqual(100);
    }
  }
}

/** A message's rows as a screenshot-like text: each row's buttons, then their custom_ids (the job id as `<job>`). */
function renderRows(title: string, rows: Rows, jobId: string): string[] {
  const lines = [`${title} — ${rows.length} of 5 rows`];
  for (const row of rows) {
    lines.push(`  ${row.components.map((b) => `[${[b.emoji?.name, b.label].filter((part) => part !== undefined && part !== '').join(' ')}]`).join(' ')}`);
    lines.push(`      ${row.components.map((b) => (b.custom_id ?? '').replaceAll(jobId, '<job>')).join('  ')}`);
  }
  return lines;
}

async function readmeBlock(): Promise<string> {
  const readme = await readFile(join(REPO_ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return '(no result-actions block in README.md)';
  return readme.slice(start + START.length, end).trim();
}

let h: BotHarness;
beforeAll(async () => {
  h = await BotHarness.start({ comfy: { stepDelayMs: 5 } });
});
afterAll(async () => {
  await h.stop();
});

async function finishedResult(prompt: string, count: number): Promise<{ message: APIMessage; jobId: string; raw: APIInteraction }> {
  const raw = await h.imagine(prompt, [commandOption.integer('count', count), commandOption.string('size', '512x512')]);
  await h.waitForFinal(raw, 20_000);
  const message = h.reply(raw);
  if (!message) throw new Error('no result message');
  return { message, jobId: jobIdOf(message), raw };
}

async function pressedReply(customId: string, message: APIMessage): Promise<{ content: string; rows: Rows }> {
  const pressed = buttonInteraction({ customId, message });
  await h.discord.sendInteraction(pressed);
  const json = (await h.callback(pressed)).json as { type: number; data: { flags: number; content: string; components: Rows } };
  expect(json.type).toBe(4);
  expect(json.data.flags & 64).toBe(64);
  return { content: json.data.content, rows: json.data.components };
}

describe("README's rendering of a result's actions", () => {
  it('is what the bot sends for one image, a batch of 4 and its ✏️ 2, within Discord’s limits, and the batch buttons still work after a restart', async () => {
    const one = await finishedResult('a lighthouse', 1);
    const batch = await finishedResult('four kites', 4);
    const oneRows = one.message.components as unknown as Rows;
    const batchRows = batch.message.components as unknown as Rows;
    expectWithinLimits(oneRows, one.jobId);
    expectWithinLimits(batchRows, batch.jobId);

    // A restart between the result and the press: the ids alone find the job again.
    await h.restartBot();
    const edits = await pressedReply(`cc:edits:${batch.jobId}:1`, batch.message);
    expectWithinLimits(edits.rows, batch.jobId);

    const drawn = [
      '```text',
      ...renderRows('One image: the result message', oneRows, one.jobId),
      '',
      ...renderRows('A batch of 4: the result message', batchRows, batch.jobId),
      '',
      ...renderRows(`✏️ 2 pressed: a reply only the presser sees, "${edits.content.replaceAll(batch.jobId, '<job>')}"`, edits.rows, batch.jobId),
      '```',
    ].join('\n');
    expect(await readmeBlock(), `README.md's block between the result-actions markers should be:\n${drawn}\n`).toBe(drawn);
  }, 60_000);
});
