import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import type { APIInteraction } from 'discord.js';
import { BotHarness } from '../test/bot/harness.ts';
import { commandOption, type OptionInput, type RecordedRequest } from '../test/support/discord-standin/index.ts';
import { buildFixtures, CORPUS, type BadInputCase, type CaseContext, type Ending } from './bad-input-corpus.ts';
import { CORPUS_ROLES, SECURITY_ENV } from './bad-input-security.ts';
import { clip, CrashWatch, formatTable, pollUntil, quickFlag, ReplyLedger, sleep, withTimeout, type Column, type Outcome } from './fault-support.ts';

/**
 * Benchmark 6, bad input: every case of bench/bad-input-corpus.ts through the real bot
 * (startBot, in this process, against the ComfyUI and Discord stand-ins on 127.0.0.1).
 * Each must end with a clear reply (a refusal, a failure in words, or the result), no
 * crash, nothing left hanging; afterwards a normal /imagine must still be delivered.
 */

export interface BadInputOptions {
  quick?: boolean;
  /** Print the table (default true). */
  print?: boolean;
  /** Only cases whose name contains this text. */
  only?: string;
}

export interface BadInputRow {
  case: string;
  group: string;
  /** What the user saw: the reply text (shortened). */
  saw: string;
  ending: Outcome['kind'];
  verdict: 'pass' | 'FAIL';
  problems: string[];
}

/** Log lines that only an unexpected exception (a bug) produces. */
const BUG_LOGS = new Set(['interaction handler failed', 'job failed with an unexpected error', 'scheduler listener threw', 'reply editor bug', 'run event listener threw', 'comfy socket listener threw']);
const IMAGE_FILE = /\.(png|jpe?g|webp|gif)$/i;

export async function runBadInput(options: BadInputOptions = {}): Promise<BadInputRow[]> {
  const cases = CORPUS.filter((c) => (!options.quick || !c.slow) && (options.only === undefined || c.name.includes(options.only)));
  const crashes = new CrashWatch().start();
  const redirects = await startRedirector();
  const files = await buildFixtures();
  const h = await BotHarness.start({
    env: { USER_MAX_PENDING: '10', ...SECURITY_ENV },
    captureLogsAt: 'info',
    comfy: { stepDelayMs: 20 },
  });
  const rows: BadInputRow[] = [];
  try {
    const ledger = new ReplyLedger(h.rest);
    const ctx = caseContext(h, files, redirects.url);
    for (const c of [...cases, CONTROL]) rows.push(await runCase(c, ctx, ledger, crashes));
    const stuck = h.bot.context.scheduler.pending().length;
    if (stuck > 0) rows.push({ case: 'nothing left behind', group: 'after the corpus', saw: `${stuck} job(s) still waiting or running`, ending: 'pending', verdict: 'FAIL', problems: ['jobs never ended'] });
  } finally {
    h.comfy.resume();
    await h.stop();
    await new Promise<void>((resolve) => redirects.server.close(() => resolve()));
    crashes.stop();
  }
  if (options.print ?? true) printRows(rows);
  return rows;
}

/** After the corpus: the same bot still makes and delivers a normal image. */
const CONTROL: BadInputCase = { name: 'afterwards: a normal /imagine', group: 'after the corpus', expect: ['delivered'], send: (c) => c.imagine('a red fox after the storm') };

async function runCase(c: BadInputCase, ctx: CaseContext, ledger: ReplyLedger, crashes: CrashWatch): Promise<BadInputRow> {
  const { h } = ctx;
  const problems: string[] = [];
  const crashesBefore = crashes.count;
  const logsBefore = h.logLines.length;
  const requestsBefore = h.rest.requests.length;
  // Every case starts with ComfyUI reachable and the bot idle, so one case's trouble is not blamed on the next.
  await pollUntil(() => h.bot.context.pool.status().every((s) => s.state === 'ready') && h.bot.context.scheduler.pending().length === 0, 30_000, 50);
  let raw: APIInteraction | null = null;
  try {
    raw = await withTimeout(c.send(ctx), 15_000, `case '${c.name}' to send`);
  } catch (error) {
    problems.push(`could not run: ${error instanceof Error ? error.message : String(error)}`);
  }
  let outcome: Outcome = { kind: 'nothing', text: '' };
  if (raw !== null) {
    const token = raw.token;
    const ended = (o: Outcome) => o.kind === 'refused' || o.kind === 'delivered' || o.kind === 'failed' || o.kind === 'cancelled';
    await pollUntil(() => (ledger.update(), ended(ledger.outcome(token))), c.timeoutMs ?? 10_000, 50);
    await sleep(150); // late stragglers (a second reply, a crash) belong to this case
    ledger.update();
    outcome = ledger.outcome(token);
    if (!ended(outcome)) problems.push(outcome.kind === 'pending' ? `left hanging at "${clip(outcome.text, 60)}"` : 'no reply at all');
    else if (!c.expect.includes(outcome.kind as Ending)) problems.push(`expected ${c.expect.join(' or ')}, got ${outcome.kind}`);
    if (outcome.kind !== 'delivered') problems.push(...unclear(outcome.text, c.says));
    const extra = await c.check?.(ctx, raw);
    if (extra) problems.push(extra);
    problems.push(...(await discordProblems(h.rest.requests.slice(requestsBefore), token)));
  }
  h.comfy.resume();
  const newLogs = h.logLines.slice(logsBefore).map((line) => JSON.parse(line) as { level: number; msg: string; err?: { message?: string } });
  for (const entry of newLogs.filter((e) => BUG_LOGS.has(e.msg))) problems.push(`bug logged: ${entry.msg}${entry.err?.message ? ` (${clip(entry.err.message, 80)})` : ''}`);
  if (crashes.count > crashesBefore) problems.push(`crash: ${crashes.messages.slice(crashesBefore).join('; ')}`);
  return { case: c.name, group: c.group, saw: outcome.text, ending: outcome.kind, verdict: problems.length === 0 ? 'pass' : 'FAIL', problems };
}

/** Why a refusal or failure text is not a clear answer, if it is not. */
function unclear(text: string, says: RegExp | undefined): string[] {
  const problems: string[] = [];
  if (text.trim().replace(/^\p{Extended_Pictographic}\uFE0F?\s*/u, '') === '') problems.push('empty reply');
  if (/Something went wrong inside the bot/.test(text)) problems.push('generic "something went wrong" (an unexpected exception)');
  // The user's own value quoted back ('NaN') is fine; a NaN the bot computed is not.
  if (/\bundefined\b|\[object Object\]|(?<!')\bNaN\b(?!')|(?<!')Infinity(?!')/.test(text)) problems.push('shows undefined/NaN');
  if (/\n\s+at\s/.test(text)) problems.push('shows a stack trace');
  if (/<(!doctype|html|body|h1|div|script)\b/i.test(text)) problems.push('shows raw HTML');
  if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text)) problems.push('broken Unicode (a lone surrogate)');
  if (says !== undefined && !says.test(text)) problems.push(`does not say ${says.source}`);
  return problems;
}

/** Requests Discord refused as malformed, and image files that are not images. */
async function discordProblems(requests: readonly RecordedRequest[], token: string): Promise<string[]> {
  const mine = requests.filter((r) => r.route.includes(token) || r.route.startsWith('/channels/'));
  const problems = mine.filter((r) => r.status === 400 || r.status === 413).map((r) => `Discord answered ${r.status} to ${r.method} ${r.route.replace(token, '…')}: ${clip(JSON.stringify(r.responseBody), 100)}`);
  for (const file of mine.flatMap((r) => (r.status < 300 ? r.files : []))) {
    if (!IMAGE_FILE.test(file.filename)) continue;
    const readable = await sharp(file.data).metadata().then(
      () => true,
      () => false,
    );
    if (!readable) problems.push(`uploaded ${file.filename} that is not a readable image`);
  }
  return [...new Set(problems)];
}

function caseContext(h: BotHarness, files: CaseContext['files'], redirectBase: string): CaseContext {
  const withDefaults = (extra: OptionInput[]): OptionInput[] => {
    const named = new Set(extra.map((input) => input.option.name));
    const defaults = [commandOption.integer('steps', 2), commandOption.string('size', '256x256')].filter((input) => !named.has(input.option.name));
    return [...defaults, ...extra];
  };
  const ctx: CaseContext = {
    h,
    files,
    redirectTo: (location) => `${redirectBase}/redirect?to=${encodeURIComponent(location)}`,
    imagine: (prompt, extra = []) => h.slash('imagine', [commandOption.string('prompt', prompt), ...withDefaults(extra)], { roles: CORPUS_ROLES }),
    img2img: (attachment, extra = []) =>
      h.slash('img2img', [commandOption.attachment('image', attachment), commandOption.string('prompt', 'a painting'), ...extra], { roles: CORPUS_ROLES }),
    upload: (filename, data, contentType) => h.rest.hostAttachment({ filename, data, contentType }),
    whileRunning: async (prompt, inject, holdMs = 400) => {
      const marked = `${prompt} #${Date.now().toString(36)}`;
      let ours: string | null = null;
      let resolveStarted: (promptId: string) => void = () => undefined;
      const started = new Promise<string>((resolve) => (resolveStarted = resolve));
      const onPrompt = (promptId: string, body: unknown): void => {
        if (JSON.stringify(body).includes(marked)) ours = promptId;
      };
      // Paused synchronously on start: the sampler then waits at its first step.
      const onStart = (promptId: string): void => {
        if (promptId !== ours) return;
        h.comfy.pause();
        resolveStarted(promptId);
      };
      h.comfy.on('prompt', onPrompt);
      h.comfy.on('executing-start', onStart);
      try {
        const raw = await ctx.imagine(marked);
        const promptId = await withTimeout(started, 8_000, 'ComfyUI to start the prompt');
        await sleep(150);
        inject(promptId);
        await sleep(holdMs);
        return raw;
      } finally {
        h.comfy.off('prompt', onPrompt);
        h.comfy.off('executing-start', onStart);
        h.comfy.resume();
      }
    },
  };
  return ctx;
}

/** An "allowed host" (127.0.0.1) whose files redirect elsewhere: redirects must be checked too. */
async function startRedirector(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const to = new URL(req.url ?? '/', 'http://127.0.0.1').searchParams.get('to') ?? '/';
    res.writeHead(302, { location: to }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const COLUMNS: Column<BadInputRow>[] = [
  { title: 'case', value: (r) => r.case },
  { title: 'what the user saw', value: (r) => clip(r.saw.replace(/\s+/g, ' '), 110) || '—' },
  { title: 'verdict', value: (r) => (r.verdict === 'pass' ? 'pass' : `FAIL: ${r.problems.join('; ')}`) },
];

function printRows(rows: BadInputRow[]): void {
  const failed = rows.filter((r) => r.verdict === 'FAIL').length;
  const groups = [...new Set(rows.map((r) => r.group))];
  const lines = [`\n## Bad input: ${rows.length} cases through the real bot, ${rows.length - failed} pass, ${failed} fail`];
  for (const group of groups) lines.push('', `### ${group}`, '', formatTable(COLUMNS, rows.filter((r) => r.group === group)));
  console.log(lines.join('\n'));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const only = argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
  runBadInput({ quick: quickFlag(argv), ...(only === undefined ? {} : { only }) }).then(
    (rows) => process.exit(rows.every((row) => row.verdict === 'pass') ? 0 : 1),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
