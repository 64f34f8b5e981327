import { parseGenerateArgs, parseTemplatesArgs } from './cli/cli-args.ts';
import { CliLog } from './cli/cli-log.ts';
import { callerCwd } from './cli/cli-paths.ts';
import { helpFor, USAGE, wantsHelp } from './cli/help.ts';
import { parseBackupArgs, runBackup } from './cli/backup-command.ts';
import { parseDoctorArgs, runDoctor } from './cli/doctor-command.ts';
import { runGenerate } from './cli/generate-command.ts';
import { runTemplates } from './cli/templates-command.ts';
import { loadDotenv } from './dotenv.ts';
import { debugWanted, loadComfySettings, loadDataDir, loadLogLevel, loadRegisterSettings, type LogLevel } from './config.ts';
import { ComfycordError, isComfycordError } from './errors.ts';
import { redactingStream } from './cli/redacting-stream.ts';
import { addConfigSecrets } from './redact/config-secrets.ts';
import { Redactor } from './redact/redactor.ts';
import type { CliErrorCode } from './cli/error-codes.ts';
import type { Logger } from './log.ts';

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
  // LOG_LEVEL, when set, decides what the CLI logs; unset, each verb keeps to what its user needs.
  if (command === 'doctor') {
    const args = parseDoctorArgs(rest);
    // A bad LOG_LEVEL is one of doctor's ✗ lines, not a crash before the checklist.
    const doctorLog = new CliLog(logLevelOrNull() ?? 'error', stderr, redactor);
    return runDoctor(args, process.env, doctorLog.logger, redactor, stdout);
  }
  const logLevel = loadLogLevel();
  // The CLI's own output is the progress line; logs only when asked for.
  const log = new CliLog(logLevel ?? 'warn', stderr, redactor);
  const logger = log.logger;
  switch (command) {
    case 'generate': {
      const settings = loadComfySettings();
      addConfigSecrets(redactor, { servers: settings.comfy.servers });
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
        await runGenerate(args, settings.comfy, settings.workflowsDir, quietComfy(logger, logLevel), {
          stdout,
          stderr,
          signal: controller.signal,
          cwd: callerCwd(),
          maxImageBytes: settings.maxImageBytes,
          onProgress: (progress) => log.route((line) => progress.noteOnce(line)),
        });
      } finally {
        process.off('SIGINT', onSignal);
      }
      return 0;
    }
    case 'templates': {
      const args = parseTemplatesArgs(rest);
      const settings = loadComfySettings();
      addConfigSecrets(redactor, { servers: settings.comfy.servers });
      return (await runTemplates(args.server, settings.comfy, settings.workflowsDir, logger, stdout)) ? 0 : 1;
    }
    case 'backup': {
      const { file } = parseBackupArgs(rest);
      await runBackup(file, loadDataDir(), callerCwd(), stdout);
      return 0;
    }
    case 'register': {
      const settings = loadRegisterSettings();
      addConfigSecrets(redactor, { discordToken: settings.discord.token, servers: [] });
      const { runRegister } = await import('./cli/register-command.ts');
      await runRegister(settings, logger, stdout);
      return 0;
    }
    default:
      stderr.write(`comfycord: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

function logLevelOrNull(): LogLevel | null {
  try {
    return loadLogLevel();
  } catch {
    return null;
  }
}

/**
 * The progress line already says what the ComfyUI client warns about (down, back,
 * prompt resubmitted); its own lines show only when LOG_LEVEL asks for them.
 */
function quietComfy(logger: Logger, logLevel: LogLevel | null): Logger {
  return logLevel === null ? logger.child({}, { level: 'error' }) : logger;
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
    if (debugWanted()) stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}
