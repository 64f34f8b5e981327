import type { APIEmbed, APIEmbedField } from 'discord.js';
import type { SystemStats } from '../comfy/http.ts';
import { DISCORD_LIMITS, escapeMarkdown, oneLine, truncate } from '../discord-limits.ts';
import { PREVIEWS_OFF_NOTICE } from '../app/preview-watch.ts';
import { fitEmbed } from './embed-fit.ts';
import { serverStateWord } from './queue-text.ts';

/**
 * The admin view of /comfy status as a plain embed: per server its connection, queue,
 * this bot's work on it, the GPUs' memory from /system_stats, and the node types some
 * template needs but the server lacks.
 */

export interface DeviceInfo {
  name: string;
  vramTotal: number | null;
  vramFree: number | null;
}

export type StatsResult = { ok: true; comfyVersion: string | null; devices: DeviceInfo[] } | { ok: false; reason: string };

export interface ServerHealth {
  name: string;
  state: string;
  queueRemaining: number | null;
  inFlight: number;
  /** Why it takes no work although connected or configured (health check, lost, cool-down); null when healthy. */
  health: string | null;
  /** Jobs the scheduler has running or submitted there. */
  running: number;
  /** Node types lacking, by template. */
  missing: Record<string, string[]>;
  /** 'Basic auth' and header names the bot sends there; values are never part of the view. */
  credentialNames: string[];
  /** Its last sampler run came without preview frames. */
  previewsOff: boolean;
  stats: StatsResult;
}

const GIB = 1024 ** 3;

/** Bytes as GiB with one decimal, "23.6 GiB"; "?" for an unknown or nonsensical value. */
export function formatGiB(bytes: number | null): string {
  if (bytes === null || !Number.isFinite(bytes) || bytes < 0) return '?';
  return `${(bytes / GIB).toFixed(1)} GiB`;
}

/** The devices of a /system_stats answer; fields ComfyUI leaves out or mistypes become null. */
export function statsOf(stats: SystemStats): StatsResult {
  const number = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
  const version = stats.system['comfyui_version'];
  return {
    ok: true,
    comfyVersion: typeof version === 'string' && version !== '' ? version : null,
    devices: stats.devices.map((device, index) => ({
      name: typeof device['name'] === 'string' && device['name'] !== '' ? device['name'] : `device ${index}`,
      vramTotal: number(device['vram_total']),
      vramFree: number(device['vram_free']),
    })),
  };
}

export function deviceLine(device: DeviceInfo): string {
  const memory =
    device.vramTotal === null && device.vramFree === null ? 'VRAM unknown' : `${formatGiB(device.vramFree)} free of ${formatGiB(device.vramTotal)}`;
  return `🧠 ${oneLine(device.name, 80)}: ${memory}`;
}

export function serverField(server: ServerHealth): APIEmbedField {
  const lines: string[] = [];
  if (server.health !== null) lines.push(`⛔ ${oneLine(server.health, 200)}`);
  if (server.stats.ok && server.stats.comfyVersion !== null) lines.push(`ComfyUI ${oneLine(server.stats.comfyVersion, 40)}`);
  const queue = server.queueRemaining === null ? 'ComfyUI queue unknown' : `ComfyUI queue ${server.queueRemaining}`;
  lines.push(`${queue} · ${server.inFlight} in flight · ${server.running} job${server.running === 1 ? '' : 's'} from the line`);
  if (server.credentialNames.length > 0) lines.push(`🔑 sends ${server.credentialNames.map((name) => oneLine(name, 60)).join(', ')}`);
  if (server.stats.ok) {
    lines.push(...(server.stats.devices.length === 0 ? ['🧠 no devices reported'] : server.stats.devices.slice(0, 8).map(deviceLine)));
  } else {
    lines.push(`❗ /system_stats unreachable: ${oneLine(server.stats.reason, 200)}`);
  }
  if (server.previewsOff) lines.push(`⚠️ ${PREVIEWS_OFF_NOTICE}`);
  const missing = Object.entries(server.missing).filter(([, types]) => types.length > 0);
  if (missing.length === 0) lines.push('✅ has every node type the templates use');
  else {
    lines.push('⚠️ missing node types:');
    for (const [template, types] of missing) lines.push(`• ${escapeMarkdown(template)}: ${types.map((type) => escapeMarkdown(type)).join(', ')}`);
  }
  return {
    name: truncate(`${oneLine(server.name, 120)} — ${serverStateWord(server.state)}`, DISCORD_LIMITS.fieldName),
    value: truncate(lines.join('\n'), DISCORD_LIMITS.fieldValue),
    inline: false,
  };
}

/** The line as counts: all of it, and (when known) the part that came from the guild asking. */
export interface LineCounts {
  waiting: number;
  running: number;
  here?: { waiting: number; running: number };
}

export function serverStatusEmbed(servers: readonly ServerHealth[], line: LineCounts, disk?: string): APIEmbed {
  const ready = servers.filter((server) => server.state === 'ready' && server.health === null).length;
  const here = line.here === undefined ? '' : ` (this server's: ${line.here.waiting} waiting, ${line.here.running} on servers)`;
  return fitEmbed({
    title: 'ComfyUI servers',
    description: `${ready} of ${servers.length} ready · the bot's line: ${line.waiting} waiting, ${line.running} on servers${here}`,
    color: ready === servers.length && servers.length > 0 ? 0x57f287 : ready === 0 ? 0xed4245 : 0xfee75c,
    fields: servers.map(serverField),
    ...(disk === undefined ? {} : { footer: { text: truncate(disk, DISCORD_LIMITS.footer) } }),
  });
}
