import { afterEach, describe, expect, it } from 'vitest';
import { comfyVersion, readyLine } from '../../src/app/ready-line.ts';
import { BotHarness } from './harness.ts';

let harness: BotHarness | null = null;
afterEach(async () => {
  await harness?.stop();
  harness = null;
});

function readyMessage(lines: readonly string[]): string | undefined {
  return lines.map((line) => JSON.parse(line) as { msg: string }).find((record) => record.msg.startsWith('comfycord ready'))?.msg;
}

describe('the ready line', () => {
  it('names each ComfyUI server up with its version, or down with the reason', async () => {
    // Port 1 on this machine refuses every connection.
    harness = await BotHarness.start({ moreComfyUrls: ['http://127.0.0.1:1'], captureLogsAt: 'info' });
    await harness.waitForLog('comfycord ready');
    const message = readyMessage(harness.logLines);
    const up = new URL(harness.comfy.url).host;
    expect(message).toMatch(new RegExp(`^comfycord ready as \\S+: \\d+ templates; ComfyUI ${up} up \\(0\\.3\\.64\\), 127\\.0\\.0\\.1:1 down \\(connection refused\\)$`));
  });

  it('says so when no server is up, and shows only versions of a version\'s shape', () => {
    expect(readyLine('Bot#1', 1, [{ name: 'gpu1', version: null, down: 'connection refused' }], () => false)).toBe(
      'comfycord ready as Bot#1: 1 template; ComfyUI gpu1 down (connection refused) — no ComfyUI server is up yet: jobs wait in line until one is',
    );
    // Down at start, connected by the time Discord is ready.
    expect(readyLine('Bot#1', 2, [{ name: 'gpu1', version: null, down: 'connection refused' }], () => true)).toBe('comfycord ready as Bot#1: 2 templates; ComfyUI gpu1 up');
    expect(comfyVersion('0.3.64')).toBe('0.3.64');
    expect(comfyVersion('v0.38.1-rc1')).toBe('v0.38.1-rc1');
    expect(comfyVersion('0.3.64 <script>')).toBeNull();
    expect(comfyVersion('x'.repeat(50))).toBeNull();
    expect(comfyVersion(64)).toBeNull();
  });
});
