import { readFile, rm, writeFile } from 'node:fs/promises';
import { BotHarness } from '../test/bot/harness.ts';
import { startBotChild, type BotChild } from '../test/bot/bot-child.ts';
import { databasePath } from '../src/store/open-database.ts';
import { countRuns, sendJob, settle, type CaseRun, type FaultCase, type SentJob } from './fault-case.ts';

/**
 * Issue 9 items 3, 1 and 2: the bot process itself dies or is doubled. Each case runs
 * `node src/bot.ts` as a child process (test/bot/bot-child.ts) so it can be SIGKILLed
 * and started again on the same DATA_DIR (a real SQLite file), against the harness's
 * stand-ins, which this process keeps.
 */

const READY = 'comfycord ready';

async function startChild(h: BotHarness): Promise<BotChild> {
  const child = startBotChild(h.env);
  await child.waitForLog(READY, 30_000);
  return child;
}

/** A fresh harness with no bot in it, `body` run against it; child bots and stand-ins always stopped. */
async function withChildBots(body: (h: BotHarness, children: BotChild[]) => Promise<CaseRun>): Promise<CaseRun> {
  const h = await BotHarness.start({ deferStart: true });
  const children: BotChild[] = [];
  try {
    return await body(h, children);
  } finally {
    for (const child of children) await child.kill();
    await h.stop();
  }
}

const killedAfterAck: FaultCase = {
  name: 'bot SIGKILLed the instant Discord acknowledged the deferral, restarted',
  finding: '9.3',
  expect: 'delivered',
  // A restart of the bot process (seconds on a busy machine) plus a 2-step job.
  boundMs: 25_000,
  from: 'request',
  async run(quick) {
    return withChildBots(async (h, children) => {
      const runs = countRuns(h.comfy);
      const jobs: SentJob[] = [];
      for (let n = 0; n < (quick ? 2 : 5); n += 1) {
        const bot = await startChild(h);
        children.push(bot);
        const job = await sendJob(h, 2);
        jobs.push(job);
        // The callback is recorded when Discord has answered it: the deferral is acknowledged.
        await h.callback(job.raw, 10_000);
        await bot.kill('SIGKILL');
      }
      children.push(await startChild(h));
      return { jobs: await settle(h, jobs, runs, 30_000, null), note: 'one kill per job, each right after its deferral was acknowledged; then one last start' };
    });
  },
};

const walDeleted: FaultCase = {
  name: 'bot SIGKILLed with jobs in line, its WAL deleted: start refused; WAL back: started',
  finding: '9.1',
  expect: 'delivered',
  boundMs: 40_000,
  from: 'request',
  async run(quick) {
    return withChildBots(async (h, children) => {
      const runs = countRuns(h.comfy);
      // The jobs wait in line while the bot is killed: their rows are only in the WAL.
      h.comfy.pause();
      const bot = await startChild(h);
      children.push(bot);
      const jobs: SentJob[] = [];
      for (let n = 0; n < (quick ? 2 : 4); n += 1) jobs.push(await sendJob(h, 2));
      for (const job of jobs) await h.callback(job.raw, 10_000);
      await bot.kill('SIGKILL');
      const wal = `${databasePath(h.dataDir)}-wal`;
      const kept = await readFile(wal);
      await rm(wal);
      // A start on the folder with its WAL gone must refuse, saying so, instead of coming up without those jobs.
      const refused = startBotChild(h.env);
      children.push(refused);
      const ended = await Promise.race([refused.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 20_000))]);
      if (ended?.code !== 1) throw new Error(`the start without the WAL did not exit 1 (${ended === null ? 'still running after 20 s' : `exit ${String(ended.code)}`})`);
      if (!/comfycord\.db-wal is missing/.test(refused.stderr())) throw new Error(`the refusal does not name comfycord.db-wal: ${refused.stderr().slice(-300)}`);
      // The operator puts the WAL back (from wherever it went): every job is still there and delivered once.
      await writeFile(wal, kept);
      h.comfy.resume();
      children.push(await startChild(h));
      return { jobs: await settle(h, jobs, runs, 30_000, null), note: 'start without the WAL: exit 1 naming comfycord.db-wal, nothing changed; with it back: every job delivered' };
    });
  },
};

const secondInstance: FaultCase = {
  name: 'a second bot started on the same DATA_DIR while jobs run',
  finding: '9.2',
  expect: 'delivered',
  boundMs: 20_000,
  from: 'request',
  async run(quick) {
    return withChildBots(async (h, children) => {
      const runs = countRuns(h.comfy);
      const first = await startChild(h);
      children.push(first);
      const jobs: SentJob[] = [];
      for (let n = 0; n < (quick ? 2 : 4); n += 1) jobs.push(await sendJob(h, 10));
      const startedAt = Date.now();
      const second = startBotChild(h.env);
      children.push(second);
      const ended = await Promise.race([second.exited, new Promise<null>((resolve) => setTimeout(() => resolve(null), 10_000))]);
      const tookMs = Date.now() - startedAt;
      if (ended?.code !== 1) throw new Error(`the second bot did not exit 1 (${ended === null ? 'still running after 10 s' : `exit ${String(ended.code)}`})`);
      if (!/another comfycord \(pid \d+/.test(second.stderr())) throw new Error(`the second bot's refusal does not name the first: ${second.stderr().slice(-300)}`);
      if (tookMs > 5_000) throw new Error(`the second bot took ${tookMs} ms to exit (bound 5 s)`);
      return { jobs: await settle(h, jobs, runs, 30_000, null), note: `second bot exited 1 in ${(tookMs / 1000).toFixed(1)} s naming the first; the first delivered every job once` };
    });
  },
};

export const INTAKE_CASES: FaultCase[] = [killedAfterAck, walDeleted, secondInstance];
