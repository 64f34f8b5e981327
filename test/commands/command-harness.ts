import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Events, type APIInteraction, type Interaction } from 'discord.js';
import { DmRoleCache } from '../../src/access/dm-role-cache.ts';
import { DownloadLimiter } from '../../src/app/download-limiter.ts';
import { JobIntake } from '../../src/app/job-intake.ts';
import { normaliseInputFile } from '../../src/images/normalise-input.ts';
import { InputImages } from '../../src/app/input-images.ts';
import { JobService } from '../../src/app/job-service.ts';
import { ServerPool } from '../../src/app/server-pool.ts';
import { loadTemplateSet } from '../../src/workflows/template-folder.ts';
import { editRows } from '../../src/discord/result-buttons.ts';
import { toRow } from '../../src/discord/to-discord-payload.ts';
import type { CommandContext } from '../../src/commands/command-context.ts';
import { commandTable } from '../../src/commands/index.ts';
import { RemixStash } from '../../src/commands/remix-stash.ts';
import { loadConfig } from '../../src/config.ts';
import { downloadAttachment, downloadAttachmentTo } from '../../src/discord/attachments.ts';
import { guildRoleLookup } from '../../src/discord/guild-roles.ts';
import { InteractionRouter } from '../../src/discord/interaction-router.ts';
import { JobReplies } from '../../src/discord/job-replies.ts';
import { ReplyEditor } from '../../src/discord/reply-editor.ts';
import { Scheduler } from '../../src/jobs/scheduler.ts';
import { silentLogger } from '../../src/log.ts';
import { SqliteJobStore } from '../../src/store/sqlite-job-store.ts';
import { ServerChoices } from '../../src/workflows/index.ts';
import { closedPort } from '../comfy/helpers.ts';
import { loginToStandins, startDiscordStandins, type DiscordStandins } from '../support/discord-standin/standins.ts';

export interface CommandHarness {
  standins: DiscordStandins;
  client: Client;
  context: CommandContext;
  store: SqliteJobStore;
  remixStash: RemixStash;
  /** Dispatches the interaction through the gateway stand-in; resolves when the router has finished with it. */
  send(raw: APIInteraction, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * The real command table and router behind a discord.js client logged in to the
 * Discord stand-ins. The one ComfyUI server points at a closed port, so the scheduler
 * never starts a job: queued jobs stay queued, which is what these command tests need.
 */
export async function startCommandHarness(env: Record<string, string> = {}): Promise<CommandHarness> {
  const dataDir = await mkdtemp(join(tmpdir(), 'comfycord-commands-'));
  const config = loadConfig({
    COMFY_URL: `http://127.0.0.1:${await closedPort()}`,
    WORKFLOWS_DIR: 'workflows',
    DATA_DIR: dataDir,
    ATTACHMENT_HOSTS: '127.0.0.1',
    ...env,
  });
  const logger = silentLogger();
  const templates = await loadTemplateSet(config.workflowsDir);
  const store = SqliteJobStore.open(join(dataDir, 'comfycord.db'), { logger });
  const pool = new ServerPool(config.comfy.servers.map((server) => ({ url: server.url, name: 'gpu-1' })), { templates, logger });
  const scheduler = new Scheduler({ workers: pool.workers(), execute: () => new Promise(() => undefined), store, limits: config.limits, logger });
  const jobs = new JobService({ templates, scheduler, store, blockedWords: config.moderation.blockedWords });
  const standins = await startDiscordStandins();
  const client = new Client(standins.clientOptions());
  await loginToStandins(client, standins);
  const editor = new ReplyEditor({ minIntervalMs: 250, logger });
  const replies = new JobReplies({ client, scheduler, editor, store, pool, apiBase: standins.rest.apiBase, logger, deliveryTimeoutMs: config.jobs.deliveryTimeoutMs });
  const download = async (url: string) => (await downloadAttachment(url, { allowedHosts: config.attachments.hosts, maxBytes: config.attachments.maxBytes })).data;
  const inputs = new InputImages({ dataDir, store, pool, download });
  const fetchUploadTo = async (url: string, maxSide: number, files: { scratch: string; target: string }) => {
    await downloadAttachmentTo(url, files.scratch, { allowedHosts: config.attachments.hosts, maxBytes: config.attachments.maxBytes });
    await normaliseInputFile(files.scratch, files.target, { maxSide, maxPixels: config.attachments.maxPixels });
  };
  const intake = new JobIntake({ jobs, inputs, downloads: new DownloadLimiter({ concurrency: config.attachments.downloadConcurrency }), fetchUploadTo, logger });
  const choices = new ServerChoices(() => pool.any().objectInfo());
  const dmRoles = new DmRoleCache({ lookup: guildRoleLookup(client, { allowedRoles: config.access.allowedRoles }) });
  const context: CommandContext = { config, access: config.access, dmRoles, logger, templates, jobs, intake, scheduler, store, pool, inputs, replies, choices, settings: store.channelSettings, download, editRows: (jobId, index) => editRows(jobId, index).map(toRow) };
  const remixStash = new RemixStash();
  const router = new InteractionRouter(commandTable({ remixStash }), context);
  const handled = new Map<string, Promise<void>>();
  const waiters = new Map<string, (done: Promise<void>) => void>();
  client.on(Events.InteractionCreate, (interaction: Interaction) => {
    const done = router.handle(interaction);
    handled.set(interaction.id, done);
    waiters.get(interaction.id)?.(done);
  });
  return {
    standins,
    client,
    context,
    store,
    remixStash,
    async send(raw, timeoutMs = 5000) {
      const arrived = new Promise<Promise<void>>((resolve) => waiters.set(raw.id, resolve));
      await standins.sendInteraction(raw);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`interaction ${raw.id} not handled within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([arrived.then((done) => done), timeout]);
      } finally {
        clearTimeout(timer);
        waiters.delete(raw.id);
      }
    },
    async close() {
      scheduler.close();
      replies.close();
      await editor.close();
      await client.destroy();
      await pool.close();
      await standins.close();
      store.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
