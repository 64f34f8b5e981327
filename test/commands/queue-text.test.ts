import { describe, expect, it } from 'vitest';
import { formatQueue, jobLine, serverLine, type QueueReport } from '../../src/commands/queue-text.ts';
import { jobFixture } from './job-fixtures.ts';

const servers = [
  { name: 'gpu-1', state: 'ready', queueRemaining: 2, inFlight: 1 },
  { name: 'gpu-2', state: 'reconnecting', queueRemaining: null, inFlight: 0 },
];

describe('formatQueue', () => {
  it('GIVEN a waiting and a running job THEN places in line, the line, and each server', () => {
    const report: QueueReport = {
      mine: [
        { job: jobFixture({ id: 'a1', prompt: 'a cat' }), place: { position: 3, total: 7 } },
        { job: jobFixture({ id: 'b2', prompt: 'a dog', status: 'running', server: 'gpu-1' }), place: null },
      ],
      waiting: 7,
      running: 2,
      servers,
    };
    expect(formatQueue(report)).toBe(
      [
        '**Your jobs** (2)',
        '• `a1` a cat — #3 of 7 in line',
        '• `b2` a dog — running on gpu\\-1',
        '**Line:** 7 waiting · 2 on servers',
        '**Servers**',
        '• **gpu\\-1** — 🟢 ready · ComfyUI queue 2 · 1 in flight from this bot',
        '• **gpu\\-2** — 🟠 reconnecting · 0 in flight from this bot',
      ].join('\n'),
    );
  });

  it('GIVEN no jobs of yours THEN it says so, and still shows the servers', () => {
    const text = formatQueue({ mine: [], waiting: 0, running: 0, servers: [] });
    expect(text.split('\n')[0]).toBe('You have no jobs waiting or running.');
    expect(text).toContain('• none configured');
  });

  it('GIVEN 200 jobs with long prompts THEN one message of at most 2000 characters, the summary whole, the rest counted', () => {
    const mine = Array.from({ length: 200 }, (_, i) => ({ job: jobFixture({ id: `job${i}`, prompt: 'p'.repeat(500) }), place: { position: i + 1, total: 200 } }));
    const text = formatQueue({ mine, waiting: 200, running: 0, servers });
    expect(text.length).toBeLessThanOrEqual(2000);
    expect(text).toContain('**Servers**');
    expect(text.endsWith('1 in flight from this bot\n• **gpu\\-2** — 🟠 reconnecting · 0 in flight from this bot')).toBe(true);
    const shown = text.split('\n').filter((line) => line.startsWith('• `job')).length;
    expect(text).toContain(`…and ${200 - shown} more`);
  });
});

describe('jobLine and serverLine', () => {
  it('GIVEN a prompt with markdown THEN it is escaped and cut', () => {
    const line = jobLine({ job: jobFixture({ id: 'x', prompt: `**${'a'.repeat(100)}**` }), place: null });
    expect(line.startsWith('• `x` \\*\\*aaa')).toBe(true);
    expect(line).toMatch(/… — waiting$/);
  });

  it('GIVEN an unknown socket state THEN it is shown as it is', () => {
    expect(serverLine({ name: 'n', state: 'weird', queueRemaining: 0, inFlight: 0 })).toBe('• **n** — weird · ComfyUI queue 0 · 0 in flight from this bot');
  });
});
