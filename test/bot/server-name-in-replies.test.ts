import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BotHarness, messageJson } from './harness.ts';

/**
 * A server the operator named in COMFY_SERVERS_FILE is called by that name in public
 * replies: its address (an internal IP, a VPN host name) is the operator's business,
 * and stays in the log.
 */
describe('replies name a named ComfyUI server by its name, not its address', () => {
  let h: BotHarness;
  let dir: string;

  beforeAll(async () => {
    h = await BotHarness.start({ deferStart: true, captureLogsAt: 'info' });
    dir = await mkdtemp(join(tmpdir(), 'comfycord-servers-'));
    const file = join(dir, 'servers.json');
    await writeFile(file, JSON.stringify([{ name: 'gpu1', url: h.comfy.url }]));
    delete h.env['COMFY_URL'];
    h.env['COMFY_SERVERS_FILE'] = file;
    await h.startBot();
  });
  afterAll(async () => {
    await h.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('GIVEN POST /prompt answers 500 THEN the failure says gpu1 and no host or port', async () => {
    const port = new URL(h.comfy.url).port;
    h.comfy.injectResponse({ method: 'POST', route: '/prompt' }, { status: 500, body: 'internal error' });
    const content = messageJson(await h.waitForFinal(await h.imagine('a named fox'))).content ?? '';
    expect(content).toBe('❌ Failed — ComfyUI at gpu1 answered HTTP 500 on POST /prompt.');
    expect(content).not.toContain(port);
    // The log still says where it went.
    expect(h.logLines.some((line) => line.includes(`127.0.0.1:${port}`))).toBe(true);
  });
});
