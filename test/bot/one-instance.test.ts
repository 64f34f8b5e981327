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

/** `read()` once it gave the same value twice in a row, 700 ms apart (at most 15 s). */
async function settled<T>(read: () => T): Promise<T> {
  let last = JSON.stringify(read());
  for (let round = 0; round < 20; round += 1) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    const now = JSON.stringify(read());
    if (now === last) return read();
    last = now;
  }
  throw new Error(`still changing after 15 s: ${last}`);
}

describe('one bot per DATA_DIR', () => {
  it('a second bot exits 1 within 5 s naming the first, with no Discord login, no ComfyUI socket and no write; the first goes on', async () => {
    h = await BotHarness.start({ deferStart: true });
    const first = startBotProcess(h.env);
    await first.waitForLog('comfycord ready');
    const outside = (harness: BotHarness) => ({
      files: dataDirState(harness.dataDir),
      gatewayConnections: harness.discord.gateway.events.entries.filter((event) => event.kind === 'connected').length,
      restRequests: harness.rest.requests.length,
      // The first bot's health check (GET /prompt every few seconds) goes on meanwhile: not the second bot's doing.
      comfyRequests: harness.comfy.requests.filter((request) => !(request.method === 'GET' && request.path.endsWith('/prompt'))).length,
      comfySockets: harness.comfy.sockets(),
    });
    // The first bot's own start-up work (command registration, …) ends before the second starts.
    const before = await settled(() => outside(h!));

    const startedAt = Date.now();
    const second = startBotProcess(h.env);
    const exit = await second.exited;
    expect(exit.code).toBe(1);
    expect(exit.at - startedAt).toBeLessThan(5_000);
    expect(second.output()).toMatch(new RegExp(`another comfycord \\(pid ${first.child.pid}, started \\d{4}-\\d\\d-\\d\\dT[^)]+\\) is using DATA_DIR`));

    expect(outside(h)).toEqual(before);

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
