import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PermissionFlagsBits } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyStandin } from '../support/comfy-standin.ts';
import { commandOption, STANDIN_CHANNEL_PERMISSIONS } from '../support/discord-standin/index.ts';
import { REPO_ROOT } from '../support/repo-paths.ts';
import { BotHarness, CHECKPOINT, messageJson, nodeOf, promptBodies, type MessageJson } from './harness.ts';

/** Issue 9 finding 4: a prompt that never progresses, or never ends, does not hold the user's slot and the server forever. */

const admin = { memberPermissions: STANDIN_CHANNEL_PERMISSIONS | PermissionFlagsBits.ManageGuild };

let h: BotHarness | null = null;
let spare: ComfyStandin | null = null;
let workflows: string | null = null;
afterEach(async () => {
  await h?.stop();
  await spare?.close();
  if (workflows !== null) await rm(workflows, { recursive: true, force: true });
  h = null;
  spare = null;
  workflows = null;
});

/** The shipped templates, with txt2img given its own limits. */
async function workflowsWith(limits: { stallSeconds?: number; timeoutSeconds?: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'comfycord-watchdog-workflows-'));
  await cp(join(REPO_ROOT, 'workflows'), dir, { recursive: true });
  const file = join(dir, 'txt2img.json');
  const template = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  await writeFile(file, JSON.stringify({ ...template, ...limits }));
  return dir;
}

const buttonLabels = (json: MessageJson): string[] =>
  (json.components ?? []).flatMap((row) => row.components.map((button) => button.label ?? ''));

describe('watchdog', () => {
  it('interrupts a prompt that stalls for STALL_SECONDS, runs it once more on the other server and tells the user', async () => {
    // The first server never gets past the sampler's first step; the spare is healthy.
    spare = await ComfyStandin.start({ stepDelayMs: 10, models: { checkpoints: [CHECKPOINT] } });
    h = await BotHarness.start({ comfy: { manualSteps: true }, moreComfyUrls: [spare.url], env: { STALL_SECONDS: '2' } });
    const raw = await h.imagine('a clock with no hands');
    const [stuckPrompt] = await h.comfy.waitFor('executing-start', undefined, 8_000);
    const startedAt = Date.now();
    const final = await h.waitForFinal(raw, 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    // Not before the stall limit, and not much after it.
    expect(final.at - startedAt).toBeGreaterThanOrEqual(1_900);
    expect(final.at - startedAt).toBeLessThan(8_000);
    // Interrupted on the stalled server by its prompt id.
    const [, status] = await h.comfy.waitFor('done', (promptId) => promptId === stuckPrompt, 5_000);
    expect(status).toBe('interrupted');
    // Same parameters on the other server, seed included.
    const [first] = promptBodies(h.comfy);
    const [second] = promptBodies(spare);
    expect(nodeOf(second!.prompt, 'KSampler').inputs).toEqual(nodeOf(first!.prompt, 'KSampler').inputs);
    expect(h.originalEdits(raw).some((edit) => /made no progress for 2 s.*runs once more/.test(JSON.stringify(edit.json)))).toBe(true);
  }, 30_000);

  it('fails a job that stalls twice with the reason and a Reroll button, and benches the server that stalled twice in a row', async () => {
    h = await BotHarness.start({ comfy: { manualSteps: true }, env: { STALL_SECONDS: '1', STALL_COOLDOWN_SECONDS: '600' } });
    const raw = await h.imagine('a frozen waterfall');
    const final = await h.waitForFinal(raw, 15_000);
    const json = messageJson(final);
    expect(json.content).toMatch(/^❌/u);
    expect(JSON.stringify(json)).toMatch(/made no progress for 1 s, twice/);
    expect(buttonLabels(json)).toContain('Reroll');
    // Both runs were interrupted on the server (one prompt each).
    expect(promptBodies(h.comfy).length).toBe(2);
    const status = await h.slash('comfy', [commandOption.subcommand('status', [])], admin);
    const edit = await h.rest.waitForRequest((r) => r.method === 'PATCH' && r.route.includes(status.token) && r.status === 200, 8_000);
    expect(JSON.stringify(edit.json)).toMatch(/unhealthy until \d\d:\d\d:\d\d UTC \(stalled 2 jobs in a row\)/);
  }, 30_000);

  it('fails a job still running at JOB_TIMEOUT_SECONDS although it makes progress', async () => {
    // 40 steps of 200 ms: 8 s of steady progress, never a stall.
    h = await BotHarness.start({ comfy: { stepDelayMs: 200 }, env: { STALL_SECONDS: '5', JOB_TIMEOUT_SECONDS: '2' } });
    const raw = await h.imagine('a very long scroll', [commandOption.integer('steps', 40)]);
    await h.comfy.waitFor('executing-start', undefined, 8_000);
    const final = await h.waitForFinal(raw, 15_000);
    const json = messageJson(final);
    expect(json.content).toMatch(/^❌/u);
    expect(JSON.stringify(json)).toMatch(/did not finish within 2 s/);
    expect(buttonLabels(json)).toContain('Reroll');
    // Ran once: a deadline is not a reason to run again.
    expect(promptBodies(h.comfy).length).toBe(1);
    const [, status] = await h.comfy.waitFor('done', () => true, 5_000);
    expect(status).toBe('interrupted');
  }, 30_000);

  it("uses a template's stallSeconds over STALL_SECONDS", async () => {
    workflows = await workflowsWith({ stallSeconds: 1 });
    // STALL_SECONDS stays at its default (300 s): only the template's 1 s can end this in time.
    h = await BotHarness.start({ comfy: { manualSteps: true }, env: { WORKFLOWS_DIR: workflows } });
    const raw = await h.imagine('an hourglass');
    const final = await h.waitForFinal(raw, 15_000);
    expect(JSON.stringify(messageJson(final))).toMatch(/made no progress for 1 s, twice/);
  }, 30_000);

  it("uses a template's timeoutSeconds over JOB_TIMEOUT_SECONDS", async () => {
    workflows = await workflowsWith({ timeoutSeconds: 2 });
    h = await BotHarness.start({ comfy: { stepDelayMs: 200 }, env: { WORKFLOWS_DIR: workflows } });
    const raw = await h.imagine('a long river', [commandOption.integer('steps', 40)]);
    const final = await h.waitForFinal(raw, 15_000);
    expect(JSON.stringify(messageJson(final))).toMatch(/did not finish within 2 s/);
  }, 30_000);
});
