import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingValueInvalidError } from '../../src/store/store-errors.ts';
import type { ChannelSettings } from '../../src/store/channel-settings.ts';
import { serverKey } from '../../src/store/server-identities.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { capturedLogger } from '../comfy/helpers.ts';
import { rawDatabase, useTempDir } from './store-fixtures.ts';

const tempDir = useTempDir();

describe('channel settings', () => {
  it('sets, merges, reads back and clears per channel', () => {
    const store = SqliteJobStore.open(join(tempDir(), 'comfycord.db'));
    const settings = store.channelSettings;
    expect(settings.get('c1')).toEqual({});
    settings.set('c1', 'g1', { template: 'flux-dev', size: { width: 1024, height: 768 } });
    settings.set('c1', 'g1', { steps: 30, spoiler: true });
    settings.set('c2', 'g1', { spoiler: false });
    settings.set('dm', null, { template: 'sdxl' });
    expect(settings.get('c1')).toEqual({ template: 'flux-dev', size: { width: 1024, height: 768 }, steps: 30, spoiler: true });
    expect(settings.forGuild('g1')).toEqual(
      new Map<string, ChannelSettings>([
        ['c1', { template: 'flux-dev', size: { width: 1024, height: 768 }, steps: 30, spoiler: true }],
        ['c2', { spoiler: false }],
      ]),
    );
    expect(settings.clear('c1', ['steps', 'size'])).toBe(2);
    expect(settings.get('c1')).toEqual({ template: 'flux-dev', spoiler: true });
    expect(settings.clear('c1')).toBe(2);
    expect(settings.get('c1')).toEqual({});
    expect(settings.get('dm')).toEqual({ template: 'sdxl' });
    store.close();
  });

  it('keeps a guild\'s own defaults in a row of their own, under its channels\' values, out of other guilds and DMs', () => {
    const path = join(tempDir(), 'comfycord.db');
    const store = SqliteJobStore.open(path);
    const settings = store.channelSettings;
    settings.setServer('g1', { steps: 12, spoiler: true, roles: { outpaint: 'soft', upscale: 'refine' } });
    settings.set('c1', 'g1', { spoiler: false, roles: { upscale: 'plain' } });
    expect(settings.getServer('g1')).toEqual({ steps: 12, spoiler: true, roles: { outpaint: 'soft', upscale: 'refine' } });
    expect(settings.getServer('g2')).toEqual({});
    expect(settings.forGuild('g1')).toEqual(new Map<string, ChannelSettings>([['c1', { spoiler: false, roles: { upscale: 'plain' } }]]));
    const here = settings.inPlace('c1', 'g1');
    expect(here.settings).toEqual({ steps: 12, spoiler: false, roles: { outpaint: 'soft', upscale: 'plain' } });
    expect([...here.fromServer].sort()).toEqual(['outpaint', 'steps']);
    expect(settings.inPlace('c9', 'g2').settings).toEqual({});
    expect(settings.inPlace('c1', null).settings).toEqual({ spoiler: false, roles: { upscale: 'plain' } });
    // The guild's row: guild_id set, and a channel id no snowflake can be.
    const raw = rawDatabase(path);
    const rows = raw.prepare("SELECT channel_id, guild_id FROM channel_settings WHERE key = 'steps'").all().map((row) => ({ ...row }));
    raw.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.['guild_id']).toBe('g1');
    expect(String(rows[0]?.['channel_id'])).not.toMatch(/^[0-9]*$/);
    expect(settings.clearServer('g1')).toBe(3);
    expect(settings.inPlace('c1', 'g1').settings).toEqual({ spoiler: false, roles: { upscale: 'plain' } });
    store.close();
  });

  it('refuses an invalid value and writes none of the batch', () => {
    const store = SqliteJobStore.open(join(tempDir(), 'comfycord.db'));
    expect(() => store.channelSettings.set('c1', 'g1', { template: 'ok', steps: -3 })).toThrow(SettingValueInvalidError);
    expect(() => store.channelSettings.set('c1', 'g1', { bogus: 1 } as ChannelSettings)).toThrow(/bogus/);
    expect(store.channelSettings.get('c1')).toEqual({});
    store.close();
  });

  it('ignores a damaged value with a log line, and keys from a newer version silently', () => {
    const dir = tempDir();
    const log = capturedLogger('debug');
    const store = SqliteJobStore.open(join(dir, 'comfycord.db'), { logger: log.logger });
    store.channelSettings.set('c1', 'g1', { template: 'flux', steps: 20 });
    const raw = rawDatabase(store.path);
    raw.prepare("UPDATE channel_settings SET value = '\"twenty\"' WHERE key = 'steps'").run();
    raw.prepare("INSERT INTO channel_settings (channel_id, key, guild_id, value, updated_at) VALUES ('c1', 'future_key', 'g1', '1', 0)").run();
    raw.close();
    expect(store.channelSettings.get('c1')).toEqual({ template: 'flux' });
    const warnings = log.lines().filter((line) => line['msg'] === 'channel setting is damaged; ignored');
    expect(warnings.map((line) => [line['channelId'], line['key']])).toEqual([['c1', 'steps']]);
    store.close();
  });
});

describe('server client ids', () => {
  it('keeps each server\'s clientId across a restart', () => {
    const path = join(tempDir(), 'comfycord.db');
    let now = 1000;
    const first = SqliteJobStore.open(path, { now: () => now });
    expect(first.servers.getClientId('http://gpu-a:8188')).toBeNull();
    const created = first.servers.clientIdFor('http://gpu-a:8188');
    expect(created).toMatch(/^[0-9a-f-]{36}$/);
    first.servers.saveClientId('https://gpu-b.example/comfy/', 'b-id');
    first.close();

    now = 2000;
    const second = SqliteJobStore.open(path, { now: () => now });
    expect(second.servers.clientIdFor('http://gpu-a:8188/', () => 'should-not-be-used')).toBe(created);
    expect(second.servers.getClientId('https://gpu-b.example/comfy')).toBe('b-id');
    second.close();
    const raw = rawDatabase(path);
    expect(raw.prepare('SELECT url, last_seen FROM servers ORDER BY url').all().map((row) => ({ ...row }))).toEqual([
      { url: 'http://gpu-a:8188', last_seen: 2000 },
      { url: 'https://gpu-b.example/comfy', last_seen: 1000 },
    ]);
    raw.close();
  });

  it('treats case and trailing slashes of a URL as the same server, but not different paths', () => {
    expect(serverKey('HTTP://GPU:8188/')).toBe('http://gpu:8188');
    expect(serverKey('http://gpu:8188/a')).not.toBe(serverKey('http://gpu:8188/b'));
    expect(serverKey('not a url')).toBe('not a url');
  });
});
