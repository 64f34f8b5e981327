import { describe, expect, it, onTestFinished } from 'vitest';
import { ConfigError, DEFAULT_COMFY_URL, loadComfySettings, loadConfig, loadDataDir, loadLogLevel, loadRegisterSettings } from '../../src/config.ts';

describe('loadConfig', () => {
  it('gives working defaults for an empty environment', () => {
    const config = loadConfig({});
    expect(config.comfy.servers.map((server) => server.url)).toEqual([DEFAULT_COMFY_URL]);
    expect(config.comfy.previewMethod).toBe('auto');
    expect(config.discord.token).toBeNull();
    expect(config.attachments.hosts).toEqual(['cdn.discordapp.com', 'media.discordapp.net']);
    expect(config.limits).toEqual({ userMaxPending: 3, userCooldownSeconds: 0, queueMax: 100 });
    expect(config.jobs.deliveryTimeoutMs).toBe(120_000);
    expect(config.comfy.lostAfterMs).toBe(15_000);
  });

  it('parses lists, auth, headers and numbers', () => {
    const config = loadConfig({
      COMFY_URL: 'http://127.0.0.1:8188/, https://gpu.example/comfy',
      COMFY_AUTH: 'me:pa:ss',
      COMFY_HEADERS: '{"X-Key":"k"}',
      ATTACHMENT_HOSTS: 'Cdn.Example.org',
      USER_MAX_PENDING: '5',
      ALLOW_DMS: 'yes',
      BLOCKED_WORDS: 'Foo, bar',
    });
    expect(config.comfy.servers.map((server) => server.url)).toEqual(['http://127.0.0.1:8188', 'https://gpu.example/comfy']);
    expect(config.comfy.servers.map((server) => server.auth)).toEqual([
      { username: 'me', password: 'pa:ss' },
      { username: 'me', password: 'pa:ss' },
    ]);
    expect(config.comfy.servers.map((server) => server.headers)).toEqual([{ 'X-Key': 'k' }, { 'X-Key': 'k' }]);
    expect(config.attachments.hosts).toEqual(['cdn.example.org']);
    expect(config.limits.userMaxPending).toBe(5);
    expect(config.access.allowDms).toBe(true);
    expect(config.moderation.blockedWords).toEqual(['foo', 'bar']);
  });

  it('HTTP_PORT: off when unset or empty; a port (0 = any free one) on 127.0.0.1 unless HTTP_HOST says otherwise; nonsense refused by name', () => {
    expect(loadConfig({}).http).toEqual({ port: null, host: '127.0.0.1' });
    expect(loadConfig({ HTTP_PORT: '' }).http).toEqual({ port: null, host: '127.0.0.1' });
    expect(loadConfig({ HTTP_PORT: '9464' }).http).toEqual({ port: 9464, host: '127.0.0.1' });
    expect(loadConfig({ HTTP_PORT: '0', HTTP_HOST: '0.0.0.0' }).http).toEqual({ port: 0, host: '0.0.0.0' });
    expect(loadConfig({ HTTP_PORT: '9464', HTTP_HOST: '::1' }).http.host).toBe('::1');
    expect(loadConfig({ HTTP_PORT: '9464', HTTP_HOST: 'metrics.internal' }).http.host).toBe('metrics.internal');
    for (const bad of ['65536', '-1', '94.64', 'http', '0x10']) {
      expect(() => loadConfig({ HTTP_PORT: bad })).toThrow(new RegExp(`HTTP_PORT: must be a port from 1 to 65535 \\(0 takes any free one\\), got '${bad.replace('.', '\\.')}'`));
    }
    expect(() => loadConfig({ HTTP_PORT: '9464', HTTP_HOST: 'http://127.0.0.1' })).toThrow(/HTTP_HOST: must be an IP address or a host name/);
  });

  it('accepts ATTACHMENT_HOSTS entries with and without a port together', () => {
    expect(loadConfig({ ATTACHMENT_HOSTS: 'cdn.discordapp.com,127.0.0.1:9999' }).attachments.hosts).toEqual(['cdn.discordapp.com', '127.0.0.1:9999']);
    expect(() => loadConfig({ ATTACHMENT_HOSTS: '127.0.0.1:99999' })).toThrow(/ATTACHMENT_HOSTS/);
  });

  it('reports every bad variable at once, by name', () => {
    let error: unknown;
    try {
      loadConfig({ ATTACHMENT_HOSTS: 'https://x.org/', COMFY_URL: 'ftp://x', USER_MAX_PENDING: '-1', ALLOW_DMS: 'maybe', COMFY_HEADERS: '[1]' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    expect(problems).toMatch(/COMFY_URL: 'ftp:\/\/x' must be an http/);
    expect(problems).toMatch(/USER_MAX_PENDING: must be a whole number from 1 to 100, got '-1'/);
    expect(problems).toMatch(/ALLOW_DMS: must be true or false/);
    expect(problems).toMatch(/COMFY_HEADERS: must be a JSON object/);
    expect(problems).toMatch(/ATTACHMENT_HOSTS: must list host names or host:port/);
  });
});

describe('per-verb settings', () => {
  const botOnlyNonsense = { USER_MAX_PENDING: '-1', QUEUE_MAX: 'many', ALLOWED_ROLES: 'mods', HTTP_PORT: 'eighty' };

  it('each CLI verb validates only what it reads', () => {
    expect(loadComfySettings({ ...botOnlyNonsense, COMFY_URL: 'http://127.0.0.1:9999' }).comfy.servers.map((server) => server.url)).toEqual(['http://127.0.0.1:9999']);
    expect(loadDataDir({ ...botOnlyNonsense, COMFY_URL: 'ftp://nope', DATA_DIR: 'elsewhere' })).toBe('elsewhere');
    expect(loadRegisterSettings({ ...botOnlyNonsense, COMFY_URL: 'ftp://nope', ALLOW_DMS: 'yes' }).access.allowDms).toBe(true);
    // The bot reads them all, and says what is wrong with each.
    expect(() => loadConfig(botOnlyNonsense)).toThrow(ConfigError);
    const problems = (() => {
      try {
        loadConfig(botOnlyNonsense);
        return [];
      } catch (error) {
        return (error as ConfigError).problems;
      }
    })();
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(['ALLOWED_ROLES', 'HTTP_PORT', 'QUEUE_MAX', 'USER_MAX_PENDING']);
    expect(() => loadComfySettings({ COMFY_URL: 'ftp://nope' })).toThrow(/COMFY_URL: 'ftp:\/\/nope' must be an http/);
  });

  it('LOG_LEVEL: null when unset or empty (each verb has its default), refused by name when unknown', () => {
    expect(loadLogLevel({})).toBeNull();
    expect(loadLogLevel({ LOG_LEVEL: '' })).toBeNull();
    expect(loadLogLevel({ LOG_LEVEL: 'debug' })).toBe('debug');
    expect(() => loadLogLevel({ LOG_LEVEL: 'chatty' })).toThrow(/LOG_LEVEL/);
    expect(loadConfig({}).logLevel).toBe('info');
    expect(loadConfig({ LOG_LEVEL: '' }).logLevel).toBe('info');
  });

  it('WORKFLOWS_DIR: unset is null (the working folder\'s workflows/ or the shipped ones); set, it must be a folder', () => {
    expect(loadConfig({}).workflowsDir).toBeNull();
    expect(loadConfig({ WORKFLOWS_DIR: 'workflows' }).workflowsDir).toBe('workflows');
    expect(() => loadConfig({ WORKFLOWS_DIR: 'workflowz' })).toThrow(/WORKFLOWS_DIR: folder 'workflowz' does not exist/);
    expect(() => loadConfig({ WORKFLOWS_DIR: 'package.json' })).toThrow(/WORKFLOWS_DIR: folder 'package.json' does not exist/);
  });
});

describe('COMFY_SERVERS_FILE', () => {
  it('reads named, weighted servers with their own auth', async () => {
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'comfycord-servers-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'servers.json');
    writeFileSync(file, JSON.stringify([{ name: 'gpu1', url: 'http://127.0.0.1:8188/', weight: 2, auth: 'u:p:w' }, { url: 'https://127.0.0.2/comfy' }]));
    const config = loadConfig({ COMFY_SERVERS_FILE: file, COMFY_LOST_AFTER_SECONDS: '30' });
    expect(config.comfy.servers).toEqual([
      { name: 'gpu1', url: 'http://127.0.0.1:8188', weight: 2, auth: { username: 'u', password: 'p:w' }, headers: {} },
      { name: null, url: 'https://127.0.0.2/comfy', weight: 1, auth: null, headers: {} },
    ]);
    expect(config.comfy.lostAfterMs).toBe(30_000);
    writeFileSync(file, JSON.stringify([{ name: 'a', url: 'ftp://x' }, { name: 'a', url: 'http://127.0.0.1', weight: -1 }]));
    expect(() => loadConfig({ COMFY_SERVERS_FILE: file })).toThrow(/\[0\]\.url: must be an http/);
    writeFileSync(file, 'not json');
    expect(() => loadConfig({ COMFY_SERVERS_FILE: file })).toThrow(/cannot read .* as JSON/);
  });

  it('without a file, each COMFY_URL entry is a server sharing COMFY_AUTH', () => {
    const config = loadConfig({ COMFY_URL: 'http://127.0.0.1:1,http://127.0.0.1:2', COMFY_AUTH: 'a:b' });
    expect(config.comfy.servers.map((server) => [server.url, server.auth?.username])).toEqual([
      ['http://127.0.0.1:1', 'a'],
      ['http://127.0.0.1:2', 'a'],
    ]);
  });
});
