import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { useBotProcesses } from './bot-process.ts';
import { BotHarness, messageJson, promptBodies } from './harness.ts';

/** One bot per DATA_DIR: a second process refuses before it touches anything; a killed one never blocks. */

let h: BotHarness | null = null;
const startBotProcess = useBotProcesses();
afterEach(async () => {
  await h?.stop();
  h = null;
});

/** Every file in DATA_DIR with a hash of its bytes: any write shows. */
function dataDirState(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const path = join(entry.parentPath, entry.name);
        return [path, createHash('sha256').update(readFileSync(path)).digest('hex')];
      }),
  );
}

describe('one bot per DATA_DIR', () => {
  it('a second bot exits 1 within 5 s naming the first, with no Discord login, no ComfyUI socket and no write; the first goes on', async () => {
    h = await BotHarness.start({ deferStart: true });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    const before = {
      files: dataDirState(h.dataDir),
      gatewayConnections: h.discord.gateway.events.entries.filter((event) => event.kind === 'connected').length,
      restRequests: h.rest.requests.length,
      comfyRequests: h.comfy.requests.length,
      comfySockets: h.comfy.sockets(),
    };

    const startedAt = Date.now();
    const second = startBotProcess(h.env);
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - startedAt).toBeLessThan(5_000);
    expect(second.output()).toMatch(new RegExp(`another comfycord \\(pid ${first.child.pid}, started \\d{4}-\\d\\d-\\d\\dT[^)]+\\) is using DATA_DIR`));

    expect({
      files: dataDirState(h.dataDir),
      gatewayConnections: h.discord.gateway.events.entries.filter((event) => event.kind === 'connected').length,
      restRequests: h.rest.requests.length,
      comfyRequests: h.comfy.requests.length,
      comfySockets: h.comfy.sockets(),
    }).toEqual(before);

    const raw = await h.imagine('a lighthouse at dusk');
    const final = await h.waitForFinal(raw, 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(promptBodies(h.comfy)).toHaveLength(1);
    expect(first.child.exitCode).toBeNull();
  }, 60_000);

  it('the lock of a SIGKILLed bot does not block the next start', async () => {
    h = await BotHarness.start({ deferStart: true });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    first.child.kill('SIGKILL');
    await first.exited;

    const second = startBotProcess(h.env);
    await second.waitForLog('comfycord ready');
    const final = await h.waitForFinal(await h.imagine('a kite over dunes'), 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    expect(second.output()).not.toContain('is using DATA_DIR');
  }, 60_000);

  it('a second bot in the same process is refused too, and a stopped bot leaves the folder free', async () => {
    h = await BotHarness.start();
    await expect(h.startBot()).rejects.toThrow(/another comfycord \(pid \d+, started [^)]+\) is using DATA_DIR/);
    // The refused start closed nothing of the running bot's: it still answers.
    const final = await h.waitForFinal(await h.imagine('a glass of water'), 15_000);
    expect(messageJson(final).content).toMatch(/^✅ Done/u);
    await h.restartBot();
    const again = await h.waitForFinal(await h.imagine('a second glass'), 15_000);
    expect(messageJson(again).content).toMatch(/^✅ Done/u);
  }, 60_000);
});
