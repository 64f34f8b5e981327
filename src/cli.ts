import { parseGenerateArgs, parseTemplatesArgs } from './cli/cli-args.ts';
import { CliLog } from './cli/cli-log.ts';
import { callerCwd } from './cli/cli-paths.ts';
import { helpFor, USAGE, wantsHelp } from './cli/help.ts';
import { parseBackupArgs, runBackup } from './cli/backup-command.ts';
import { parseDoctorArgs, runDoctor } from './cli/doctor-command.ts';
import { runGenerate } from './cli/generate-command.ts';
import { runTemplates } from './cli/templates-command.ts';
import { loadDotenv } from './dotenv.ts';
import { loadConfig } from './config.ts';
import { ComfycordError, isComfycordError } from './errors.ts';
import { redactingStream } from './cli/redacting-stream.ts';
import { addConfigSecrets } from './redact/config-secrets.ts';
import { Redactor } from './redact/redactor.ts';
import type { CliErrorCode } from './cli/error-codes.ts';

/** Exit status of a process ended by Ctrl-C, as shells report it (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;

class InterruptedError extends ComfycordError<CliErrorCode> {
  constructor() {
    super('CLI_INTERRUPTED', 'cancelled (Ctrl-C)');
  }
}

// Fed with the configuration's secrets as soon as it is read; every line printed goes through it.
const redactor = new Redactor();
const stdout = redactingStream(process.stdout, redactor);
const stderr = redactingStream(process.stderr, redactor);

async function main(argv: string[]): Promise<number> {
  loadDotenv();
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const verbHelp = command === 'help' && rest[0] !== undefined ? helpFor(rest[0]) : null;
    stdout.write(verbHelp ?? USAGE);
    return command === undefined ? 1 : 0;
  }
  const help = helpFor(command);
  if (help === null) {
    stderr.write(`comfycord: unknown command '${command}'\n\n${USAGE}`);
    return 1;
  }
  if (wantsHelp(rest)) {
    stdout.write(help);
    return 0;
  }
  if (command === 'doctor') {
    const args = parseDoctorArgs(rest);
    const doctorLog = new CliLog(process.env['LOG_LEVEL'] ?? 'error', stderr, redactor);
    return runDoctor(args, process.env, doctorLog.logger, redactor, stdout);
  }
  const config = loadConfig();
  addConfigSecrets(redactor, { discordToken: config.discord.token, servers: config.comfy.servers });
  // The CLI's own output is the progress line; logs only when asked for.
  const log = new CliLog(process.env['LOG_LEVEL'] ?? 'warn', stderr, redactor);
  const logger = log.logger;
  // The progress line already says what the ComfyUI client warns about (down, back,
  // prompt resubmitted); its own lines show only when LOG_LEVEL asks for them.
  const comfyLogger = process.env['LOG_LEVEL'] ? logger : logger.child({}, { level: 'error' });
  switch (command) {
    case 'generate': {
      const args = parseGenerateArgs(rest);
      const controller = new AbortController();
      let interrupts = 0;
      const onSignal = () => {
        interrupts += 1;
        // A second Ctrl-C, or a server too slow to confirm the cancel, ends it at once.
        if (interrupts > 1) process.exit(EXIT_INTERRUPTED);
        setTimeout(() => process.exit(EXIT_INTERRUPTED), 5_000).unref();
        controller.abort(new InterruptedError());
      };
      process.on('SIGINT', onSignal);
      try {
        await runGenerate(args, config.comfy, config.workflowsDir, comfyLogger, {
          stdout,
          stderr,
          signal: controller.signal,
          cwd: callerCwd(),
          maxImageBytes: config.attachments.maxBytes,
          onProgress: (progress) => log.route((line) => progress.noteOnce(line)),
        });
      } finally {
        process.off('SIGINT', onSignal);
      }
      return 0;
    }
    case 'templates': {
      const args = parseTemplatesArgs(rest);
      return (await runTemplates(args.server, config.comfy, config.workflowsDir, logger, stdout)) ? 0 : 1;
    }
    case 'backup': {
      const { file } = parseBackupArgs(rest);
      await runBackup(file, config.dataDir, callerCwd(), stdout);
      return 0;
    }
    case 'register': {
      const { runRegister } = await import('./discord/register-commands.ts');
      await runRegister(config, logger, stdout);
      return 0;
    }
    default:
      stderr.write(`comfycord: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof InterruptedError) {
    stderr.write(`comfycord: ${error.userMessage}\n`);
    process.exitCode = EXIT_INTERRUPTED;
  } else if (isComfycordError(error)) {
    stderr.write(`comfycord: ${error.userMessage}\n`);
    process.exitCode = 1;
  } else {
    stderr.write(`comfycord: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env['COMFYCORD_DEBUG']) stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
