import { describe, expect, it } from 'vitest';
import { withChannelDefaults } from '../../src/commands/channel-defaults.ts';
import { historyLines } from '../../src/commands/history.ts';
import { describeSettings } from '../../src/commands/settings.ts';
import type { Job } from '../../src/jobs/job.ts';

describe('channel defaults', () => {
  it('fill only what the user left out', () => {
    const settings = { template: 'portraits', size: { width: 832, height: 1216 }, steps: 30, spoiler: true };
    expect(withChannelDefaults(null, { prompt: 'fox' }, settings)).toEqual({
      template: 'portraits',
      options: { prompt: 'fox', width: 832, height: 1216, steps: 30 },
    });
    expect(withChannelDefaults('txt2img', { prompt: 'fox', steps: 12, width: 512, height: 512 }, settings)).toEqual({
      template: 'txt2img',
      options: { prompt: 'fox', steps: 12, width: 512, height: 512 },
    });
    expect(withChannelDefaults(null, { prompt: 'fox' }, {})).toEqual({ template: null, options: { prompt: 'fox' } });
  });

  it('are described in words', () => {
    expect(describeSettings({})).toMatch(/no channel defaults/);
    expect(describeSettings({ template: 'txt2img', size: { width: 512, height: 768 }, spoiler: false })).toBe(
      'template **txt2img**, size **512x768**, results as spoilers **no**',
    );
  });
});

describe('/history lines', () => {
  it('show status, id, a cleaned short prompt, template, relative time and a message link', () => {
    const job = {
      id: 'abc123',
      status: 'done',
      spec: { template: 'txt2img', options: { prompt: `a **bold** fox ${'x'.repeat(80)}` } },
      resolved: null,
      createdAt: 1_700_000_000_000,
      reply: { applicationId: '1', token: 't', channelId: '300', messageId: '400', createdAt: 1, sizeLimit: null, spoiler: 0, userId: '9' },
    } as unknown as Job;
    const [line] = historyLines([job], '200');
    expect(line).toMatch(/^✅ `abc123` a bold fox x+… · txt2img · <t:1700000000:R> · \[message\]\(https:\/\/discord\.com\/channels\/200\/300\/400\)$/);
    expect(line).not.toContain('token');
  });
});
