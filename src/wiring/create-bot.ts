import { readyLine, type ServerStart } from '../app/ready-line.ts';
import { Events, type Client } from 'discord.js';
import { loadTemplateSet } from '../workflows/template-folder.ts';
import { commandTable } from '../commands/index.ts';
import type { CommandContext } from '../commands/command-context.ts';
import type { Config } from '../config.ts';
import { acknowledgeAgain } from '../discord/acknowledge-again.ts';
import { downloadAttachment, downloadAttachmentTo } from '../discord/attachments.ts';
import { createDiscordClient, loginFailure, requireToken } from '../discord/discord-client.ts';
import { InteractionRouter } from '../discord/interaction-router.ts';
import { JobReplies } from '../discord/job-replies.ts';
import { editRows } from '../discord/result-buttons.ts';
import { toRow } from '../discord/to-discord-payload.ts';
import { ReplyEditor } from '../discord/reply-editor.ts';
import { buildCommandDefinitions } from '../commands/command-definitions.ts';
import { registerIfChanged } from '../discord/register-commands.ts';
import { InstanceLock } from '../store/instance-lock.ts';
import { openDataDirStore } from '../store/data-dir-store.ts';
import type { SqliteJobStore } from '../store/sqlite-job-store.ts';
import { systemClock } from '../clock.ts';
import { JobWatchdog, watchLimits } from '../jobs/job-watchdog.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import type { Logger } from '../log.ts';
import { DmRoleCache } from '../access/dm-role-cache.ts';
import { guildRoleLookup } from '../discord/guild-roles.ts';
import { addConfigSecrets } from '../redact/config-secrets.ts';
import type { Redactor } from '../redact/redactor.ts';
import { ServerChoices, type TemplateSet } from '../workflows/index.ts';
import { normaliseInputFile, normaliseInputImage } from '../images/normalise-input.ts';
import { DownloadLimiter } from '../app/download-limiter.ts';
import { InputImages } from '../app/input-images.ts';
import { InputSweeper } from '../app/input-sweeper.ts';
import { JobIntake } from '../app/job-intake.ts';
import { createJobExecutor, isServerLoss } from '../app/job-executor.ts';
import { followRunTimes } from '../app/follow-run-times.ts';
import { JobService } from '../app/job-service.ts';
import { Observability } from '../app/observability.ts';
import { TurnTaker } from '../app/turn-taker.ts';
import { readLeftovers, recoverJobs } from '../app/recover-jobs.ts';
import { ServerPool } from '../app/server-pool.ts';

export interface RunningBot {
  client: Client;
  context: CommandContext;
  /** Where /healthz and /metrics are served; null without HTTP_PORT. */
  http: { address: string; port: number } | null;
  /** Stops taking commands, lets final edits finish (bounded), closes everything. */
  stop(): Promise<void>;
}

/**
 * Registers the slash commands when they changed since the last registration. A failure
 * is logged, not fatal: the commands registered before keep working.
 */
async function autoRegister(client: Client, config: Config, templates: TemplateSet, store: SqliteJobStore, logger: Logger): Promise<void> {
  const applicationId = client.application?.id;
  if (!applicationId) return;
  try {
    await registerIfChanged({
      rest: client.rest,
      applicationId,
      guildId: config.discord.guildId,
      body: buildCommandDefinitions(templates, { allowDms: config.access.allowDms }),
      registrations: store.commandRegistrations,
      logger,
    });
  } catch (error) {
    logger.error({ err: error, guildId: config.discord.guildId }, 'registering slash commands failed; run `comfycord register` (or set AUTO_REGISTER=false)');
  }
}

/**
 * Builds every part from the config, connects to ComfyUI and Discord, and returns a
 * handle to stop it. `redactor` is the one `logger` writes through: it is fed here
 * with every secret of `config` before anything else runs, and with each
 * interaction's token as it arrives. Before anything else it takes DATA_DIR's instance lock, so a second bot on the same
 * folder fails here having changed nothing (no database, no ComfyUI socket, no login).
 */
export interface StartBotOptions {
  lock?: InstanceLock;
  /** Where a kept input image (and its download) is really written; a test sends it to a full disk. */
  writeInput?: (path: string) => string;
}

export async function startBot(config: Config, logger: Logger, redactor: Redactor, options: StartBotOptions = {}): Promise<RunningBot> {
  // bot.ts takes it before loading this module (seconds of imports on a busy machine).
  const lock = options.lock ?? InstanceLock.acquire(config.dataDir);
  try {
    const bot = await startLockedBot(config, logger, redactor, options);
    return {
      ...bot,
      async stop() {
        try {
          await bot.stop();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

async function startLockedBot(config: Config, logger: Logger, redactor: Redactor, options: StartBotOptions): Promise<RunningBot> {
  const token = requireToken(config);
  const short = addConfigSecrets(redactor, { discordToken: token, servers: config.comfy.servers });
  for (const { what } of short) {
    logger.warn({ secret: what }, `${what} is shorter than 6 characters: it is redacted only next to its header name or user, not wherever it appears`);
  }
  const templates = await loadTemplateSet(config.workflowsDir);
  templates.throwIfInvalid();
  // Jobs and each ComfyUI server's clientId survive restarts in DATA_DIR/comfycord.db.
  // Refused, having written nothing, when DATA_DIR had a store and this is not (all of) it.
  const store = openDataDirStore(config.dataDir, { allowNewStore: config.store.allowNewStore, logger });
  // The main file never more than one interval behind the WAL (what a file copy would see).
  const checkpoints = setInterval(() => {
    try {
      store.checkpoint({ waitForReaders: false });
    } catch (error) {
      logger.warn({ err: error }, 'periodic WAL checkpoint failed; the next one tries again');
    }
  }, config.store.checkpointIntervalMs);
  checkpoints.unref();
  const pool = new ServerPool(
    config.comfy.servers.map((server) => ({
      ...(server.name === null ? {} : { name: server.name }),
      url: server.url,
      weight: server.weight,
      clientId: store.servers.clientIdFor(server.url),
      ...(server.auth ? { auth: server.auth } : {}),
      headers: server.headers,
      previewMethod: config.comfy.previewMethod,
    })),
    { templates, logger, lostAfterMs: config.comfy.lostAfterMs },
  );
  const download = async (url: string) =>
    (await downloadAttachment(url, { allowedHosts: config.attachments.hosts, maxBytes: config.attachments.maxBytes })).data;
  const downloads = new DownloadLimiter({ concurrency: config.attachments.downloadConcurrency });
  // A person's upload: downloaded under the host list and byte cap, decoded under the pixel limit, kept as PNG.
  const fetchUpload = async (url: string, maxSide: number) =>
    (await normaliseInputImage(await download(url), { maxSide, maxPixels: config.attachments.maxPixels })).png;
  // The same through files, as intake keeps it: an 8 MB upload is not held in memory (bench/flood.ts).
  const fetchUploadTo = async (url: string, maxSide: number, files: { scratch: string; target: string }) => {
    await downloadAttachmentTo(url, files.scratch, { allowedHosts: config.attachments.hosts, maxBytes: config.attachments.maxBytes });
    await normaliseInputFile(files.scratch, files.target, { maxSide, maxPixels: config.attachments.maxPixels });
  };
  const inputs = new InputImages({
    dataDir: config.dataDir,
    store,
    pool,
    download,
    ...(options.writeInput ? { writePath: options.writeInput } : {}),
    // After a restart a job may still hold its upload as a URL: fetched when it runs, in turn with the others.
    fetchUpload: (url, maxSide) => downloads.run('restart', () => fetchUpload(url, maxSide)),
  });
  const scheduler = new Scheduler({
    workers: pool.workers(),
    execute: createJobExecutor({ pool, templates, inputs }),
    store,
    limits: config.limits,
    isRetryable: isServerLoss,
    watchdog: new JobWatchdog({
      clock: systemClock,
      limitsFor: (job) => watchLimits(templates.get(job.spec.template), config.jobs),
      onServerStalling: (worker) => pool.bench(worker, config.jobs.stallCooldownMs, 'stalled 2 jobs in a row'),
    }),
    logger,
  });
  pool.onChange(() => scheduler.poke());
  const choices = new ServerChoices(() => pool.any().objectInfo());
  const jobs = new JobService({ templates, scheduler, store, blockedWords: config.moderation.blockedWords, servers: pool, choices });
  const intake = new JobIntake({ jobs, inputs, downloads, fetchUploadTo, logger });
  const observability = await Observability.create({ serveMetrics: config.http.port !== null });
  const client = createDiscordClient(config, redactor, { onResponse: (status) => observability.metrics.discordResponse(status) });
  const editor = new ReplyEditor({
    minIntervalMs: config.replies.editIntervalMs,
    previewIntervalMs: config.replies.previewIntervalMs,
    editsPerSecond: config.replies.editBudgetPerSecond,
    maxRetryAfterMs: config.replies.maxRetryAfterMs,
    logger,
  });
  const runTimes = followRunTimes(scheduler, store);
  const replies = new JobReplies({ client, scheduler, editor, store, pool, apiBase: config.discord.apiBase, logger, deliveryTimeoutMs: config.jobs.deliveryTimeoutMs,
    onDelivered: (job) => observability.metrics.delivered(job),
    typicalRunMs: (template) => runTimes.typicalMs(template),
  });
  observability.attach({ client, scheduler, pool, store, editor });
  const context: CommandContext = {
    config,
    access: config.access,
    dmRoles: new DmRoleCache({ lookup: guildRoleLookup(client, { allowedRoles: config.access.allowedRoles }) }),
    logger,
    templates,
    jobs,
    intake,
    scheduler,
    store,
    pool,
    inputs,
    replies,
    choices,
    settings: store.channelSettings,
    download,
    editRows: (jobId, index) => editRows(jobId, index).map(toRow),
  };
  const router = new InteractionRouter(commandTable(), context);
  let accepting = true;
  // One interaction per turn of the event loop, so a burst does not hold it (turn-taker.ts).
  const turns = new TurnTaker((error) => logger.error({ err: error }, 'interaction handler threw'));
  client.on(Events.InteractionCreate, (interaction) => {
    // The token (and so the webhook URL built from it) edits this reply for 15 minutes.
    redactor.addRuntime(interaction.token);
    turns.push(() => {
      if (accepting) void router.handle(interaction);
    });
  });
  client.on(Events.Error, (error) => logger.error({ err: error }, 'discord client error'));
  // Filled by pool.start() below, before the login that leads to ClientReady.
  let started: ServerStart[] = [];
  const ready = new Promise<void>((resolve) =>
    client.once(Events.ClientReady, (c) => {
      const servers = started.map((server) => ({ ...server, up: server.down === null || pool.isHealthy(server.name) }));
      logger.info(
        { user: c.user.tag, guilds: c.guilds.cache.size, servers, templates: templates.names() },
        readyLine(c.user.tag, templates.size, started, (name) => pool.isHealthy(name)),
      );
      resolve();
    }),
  );
  // Before anything connects: a port already taken is a configuration mistake, told at once,
  // and a monitor sees the bot as starting (503) until Discord and ComfyUI are connected.
  let http: RunningBot['http'] = null;
  try {
    if (config.http.port !== null) http = await observability.listen(config.http.host, config.http.port, logger);
  } catch (error) {
    clearInterval(checkpoints);
    replies.close();
    await editor.close();
    await client.destroy();
    await pool.close();
    store.close();
    throw error;
  }
  started = await pool.start();
  void choices.refresh().catch(() => undefined);
  // Read before any interaction can arrive: a job the intake saves from now on is not a leftover.
  const leftovers = readLeftovers(store);
  try {
    await client.login(token);
  } catch (error) {
    clearInterval(checkpoints);
    await observability.close();
    await pool.close();
    store.close();
    throw loginFailure(error);
  }
  await ready;
  if (config.autoRegister) await autoRegister(client, config, templates, store, logger);
  await recoverJobs(leftovers, scheduler, {
    deliver: (job) => replies.showFinal(job),
    reacknowledge: (job) => acknowledgeAgain(client, job, logger),
    logger,
  });
  // Kept inputs of jobs past INPUT_RETENTION_HOURS go now and then hourly; its queries need the leftovers restored first.
  const sweeper = new InputSweeper({ dataDir: config.dataDir, store, retentionMs: config.attachments.inputRetentionMs, logger });
  sweeper.start();
  return {
    client,
    context,
    http,
    async stop() {
      accepting = false;
      await sweeper.stop();
      await observability.close();
      scheduler.close();
      // Final edits under way get up to 5 s; the timer must not keep the process alive after.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([replies.flush(), new Promise((resolve) => (timer = setTimeout(resolve, 5_000)))]);
      clearTimeout(timer);
      replies.close();
      await editor.close();
      await client.destroy();
      await pool.close();
      // Jobs still running stay 'submitted'/'running' in the store: the next start follows their prompts.
      clearInterval(checkpoints);
      store.close();
    },
  };
}
