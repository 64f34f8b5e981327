import { DISCORD_LIMITS, oneLine, truncate } from '../discord-limits.ts';
import type { Job } from '../jobs/job.ts';
import { promptOf, statusWord } from './job-labels.ts';

/**
 * The text of /queue, from plain values: the caller's jobs with their places in line,
 * the bot's line as a whole, and each ComfyUI server. Fits one message (2000
 * characters) by listing fewer jobs, never by cutting the summary.
 */

export interface QueuedJobLine {
  job: Job;
  /** Place in the bot's own line; null once the job is on a server. */
  place: { position: number; total: number } | null;
}

export interface ServerLine {
  name: string;
  /** The socket state: ready, connecting, reconnecting, idle, closed. */
  state: string;
  /** ComfyUI's queue_remaining (all clients), null when not known yet. */
  queueRemaining: number | null;
  /** This bot's prompts on that server. */
  inFlight: number;
}

export interface QueueReport {
  mine: QueuedJobLine[];
  waiting: number;
  running: number;
  servers: ServerLine[];
}

const STATE_WORDS: Readonly<Record<string, string>> = {
  ready: '🟢 ready',
  connecting: '🟡 connecting',
  reconnecting: '🟠 reconnecting',
  idle: '⚪ not connected',
  closed: '🔴 closed',
};

export function serverStateWord(state: string): string {
  return STATE_WORDS[state] ?? state;
}

export function jobLine(line: QueuedJobLine, server: string | null = line.job.server): string {
  const prompt = oneLine(promptOf(line.job), 60) || `(${line.job.spec.template})`;
  let where: string;
  if (line.place !== null) where = `#${line.place.position} of ${line.place.total} in line`;
  else if (server !== null) where = `${statusWord(line.job.status)} on ${oneLine(server, 60)}`;
  else where = statusWord(line.job.status);
  return `• \`${line.job.id}\` ${prompt} — ${where}`;
}

export function serverLine(server: ServerLine): string {
  const parts = [serverStateWord(server.state)];
  if (server.queueRemaining !== null) parts.push(`ComfyUI queue ${server.queueRemaining}`);
  parts.push(`${server.inFlight} in flight from this bot`);
  return `• **${oneLine(server.name, 80)}** — ${parts.join(' · ')}`;
}

export function formatQueue(report: QueueReport): string {
  const summary = [
    `**Line:** ${report.waiting} waiting · ${report.running} on servers`,
    '**Servers**',
    ...(report.servers.length === 0 ? ['• none configured'] : report.servers.map(serverLine)),
  ];
  const header = report.mine.length === 0 ? ['You have no jobs waiting or running.'] : [`**Your jobs** (${report.mine.length})`];
  const budget = DISCORD_LIMITS.content - [...header, ...summary].join('\n').length - 1;
  const jobs: string[] = [];
  let used = 0;
  for (const [index, line] of report.mine.entries()) {
    const text = jobLine(line);
    const left = report.mine.length - index - 1;
    const reserve = left > 0 ? `\n…and ${left} more`.length : 0;
    if (used + text.length + 1 + reserve > budget) {
      jobs.push(`…and ${report.mine.length - index} more`);
      break;
    }
    jobs.push(text);
    used += text.length + 1;
  }
  return truncate([...header, ...jobs, ...summary].join('\n'), DISCORD_LIMITS.content);
}
