import { loadConfig } from './config.ts';
import { loadDotenv } from './dotenv.ts';
import { isComfycordError } from './errors.ts';
import { createLogger, logFormatFor } from './log.ts';
import { Redactor } from './redact/redactor.ts';
import { InstanceLock } from './store/instance-lock.ts';
import { parseStartArgs } from './start-args.ts';

/** `npm start`: configuration, start-up and graceful shutdown; everything else is in startBot. */
loadDotenv();
// Every secret of the configuration is added to it by startBot, before anything else runs.
const redactor = new Redactor();
try {
  const loaded = loadConfig();
  const config = { ...loaded, store: { ...loaded.store, allowNewStore: loaded.store.allowNewStore || parseStartArgs(process.argv.slice(2)).newStore } };
  const logger = createLogger({ level: config.logLevel, format: logFormatFor(config.logFormat, process.stderr.isTTY), redactor });
  // The lock first, before the bot's modules are even loaded: a second bot on this
  // DATA_DIR is refused within a second or two and touches nothing.
  const lock = InstanceLock.acquire(config.dataDir);
  const starting = import('./wiring/create-bot.ts').then(({ startBot }) => startBot(config, logger, redactor, { lock }));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    // Hard limit: whatever happens, the process is gone within 10 s.
    setTimeout(() => process.exit(1), 10_000).unref();
    starting.then((bot) => bot.stop()).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  // Before start-up finishes: a supervisor may signal the moment it reads the ready line.
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  await starting;
} catch (error) {
  const message = isComfycordError(error) ? error.userMessage : error instanceof Error ? error.message : String(error);
  process.stderr.write(redactor.scrub(`comfycord: ${message}\n`));
  process.exit(1);
}
