import { afterEach, describe, expect, it } from 'vitest';
import { readStats } from '../../src/commands/comfy-status.ts';
import { formatGiB, serverField, serverStatusEmbed, statsOf, type ServerHealth } from '../../src/commands/server-status-embed.ts';
import { ComfyServer } from '../../src/comfy/server.ts';
import { closedPort, json, startHttp, type TinyHttp } from '../comfy/helpers.ts';

const GIB = 1024 ** 3;

function health(overrides: Partial<ServerHealth> = {}): ServerHealth {
  return {
    name: 'gpu-1',
    state: 'ready',
    queueRemaining: 0,
    inFlight: 0,
    health: null,
    running: 0,
    missing: {},
    credentialNames: [],
    previewsOff: false,
    stats: { ok: true, comfyVersion: '0.3.64', devices: [{ name: 'cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync', vramTotal: 24 * GIB, vramFree: 20.25 * GIB }] },
    ...overrides,
  };
}

describe('formatGiB and statsOf', () => {
  it('formats bytes as GiB with one decimal; unknown stays unknown', () => {
    expect(formatGiB(25_757_220_864)).toBe('24.0 GiB');
    expect(formatGiB(0)).toBe('0.0 GiB');
    expect(formatGiB(null)).toBe('?');
    expect(formatGiB(-1)).toBe('?');
  });

  it('GIVEN a /system_stats answer with odd devices THEN names and numbers are taken only when well typed', () => {
    const stats = statsOf({
      system: { comfyui_version: '0.3.64' },
      devices: [{ name: 'cpu', type: 'cpu', vram_total: 0, vram_free: 0 }, { vram_total: '24', vram_free: null }],
    });
    expect(stats).toEqual({
      ok: true,
      comfyVersion: '0.3.64',
      devices: [
        { name: 'cpu', vramTotal: 0, vramFree: 0 },
        { name: 'device 1', vramTotal: null, vramFree: null },
      ],
    });
  });
});

describe('serverField', () => {
  it('GIVEN a healthy server THEN version, queue, work and VRAM', () => {
    const field = serverField(health({ queueRemaining: 3, inFlight: 2, running: 2 }));
    expect(field.name).toBe('gpu\\-1 — 🟢 ready');
    expect(field.value).toBe(
      [
        'ComfyUI 0.3.64',
        'ComfyUI queue 3 · 2 in flight · 2 jobs from the line',
        '🧠 cuda:0 NVIDIA GeForce RTX 4090 : cudaMallocAsync: 20.3 GiB free of 24.0 GiB',
        '✅ has every node type the templates use',
      ].join('\n'),
    );
  });

  it('GIVEN a server reached with Basic auth and an API key header THEN the view names them and holds no value', () => {
    const field = serverField(health({ credentialNames: ['Basic auth', 'X-Api-Key'] }));
    expect(field.value.split('\n')[2]).toBe('🔑 sends Basic auth, X\\-Api\\-Key');
  });

  it('GIVEN an unreachable server lacking nodes THEN both are said, and hundreds of missing types still fit 1024', () => {
    const missing = { sdxl: Array.from({ length: 300 }, (_, i) => `CustomNode${i}`), flux: ['UNETLoader'] };
    const field = serverField(health({ state: 'reconnecting', queueRemaining: null, stats: { ok: false, reason: 'no answer within 3 s' }, missing }));
    expect(field.name).toBe('gpu\\-1 — 🟠 reconnecting');
    expect(field.value).toContain('ComfyUI queue unknown');
    expect(field.value).toContain('❗ /system_stats unreachable: no answer within 3 s');
    expect(field.value).toContain('⚠️ missing node types:\n• sdxl: CustomNode0, CustomNode1');
    expect(field.value.length).toBeLessThanOrEqual(1024);
  });

  it('GIVEN 30 servers THEN the embed keeps 25 fields and counts the rest', () => {
    const embed = serverStatusEmbed(Array.from({ length: 30 }, (_, i) => health({ name: `gpu-${i}` })), { waiting: 4, running: 1 });
    expect(embed.description).toBe("30 of 30 ready · the bot's line: 4 waiting, 1 on servers");
    expect(embed.fields).toHaveLength(25);
    expect(embed.fields?.at(-1)?.name).toBe('…and 6 more');
  });
});

describe('readStats against real HTTP servers', () => {
  let http: TinyHttp | null = null;
  let comfy: ComfyServer | null = null;

  afterEach(async () => {
    await comfy?.close();
    comfy = null;
    await http?.close();
    http = null;
  });

  it('GIVEN a server that answers THEN its devices', async () => {
    http = await startHttp((request, response) => {
      if (request.url === '/system_stats') json(response, 200, { system: { comfyui_version: '0.3.64' }, devices: [{ name: 'cuda:0', vram_total: 8 * GIB, vram_free: 2 * GIB }] });
      else json(response, 404, {});
    });
    comfy = new ComfyServer({ url: http.url });
    const stats = await readStats(() => comfy!.systemStats(), 2000);
    expect(stats).toEqual({ ok: true, comfyVersion: '0.3.64', devices: [{ name: 'cuda:0', vramTotal: 8 * GIB, vramFree: 2 * GIB }] });
  });

  it('GIVEN a server that accepts and never answers THEN "unreachable" as soon as the timeout passes', async () => {
    http = await startHttp(() => undefined);
    comfy = new ComfyServer({ url: http.url });
    const started = Date.now();
    const stats = await readStats(() => comfy!.systemStats(), 150);
    expect(stats).toEqual({ ok: false, reason: 'no answer within 0.2 s' });
    expect(Date.now() - started).toBeLessThan(1500);
    expect(http.requests.map((request) => request.url)).toEqual(['/system_stats']);
  });

  it('GIVEN nothing listening THEN the connection error is the reason, without waiting for the timeout', async () => {
    comfy = new ComfyServer({ url: `http://127.0.0.1:${await closedPort()}` });
    const started = Date.now();
    const stats = await readStats(() => comfy!.systemStats(), 10_000);
    expect(stats.ok).toBe(false);
    expect(!stats.ok && stats.reason).toMatch(/refused|reach/i);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
