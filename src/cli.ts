import { parseGenerateArgs, parseTemplatesArgs } from './cli/cli-args.ts';
import { runGenerate } from './cli/generate-command.ts';
import { runTemplates } from './cli/templates-command.ts';
import { loadDotenv } from './dotenv.ts';
import { loadConfig } from './config.ts';
import { isComfycordError } from './errors.ts';
import { createLogger } from './log.ts';
import { redactingStream } from './cli/redacting-stream.ts';
import { addConfigSecrets } from './redact/config-secrets.ts';
import { Redactor } from './redact/redactor.ts';

const USAGE = `comfycord — run ComfyUI workflow templates

Usage:
  comfycord generate <template> [--server URL] [--out DIR] [--prompt T] [--negative T]
                     [--seed N] [--steps N] [--cfg X] [--width N] [--height N]
                     [--image FILE] [--denoise X] [--set name=value ...]
  comfycord templates [--server URL]
  comfycord register          register the bot's slash commands with Discord

<template> is a name from the workflows folder (WORKFLOWS_DIR) or a path to a .json file.
The server is --server, else COMFY_URL, else http://127.0.0.1:8188.
`;

// Fed with the configuration's secrets as soon as it is read; every line printed goes through it.
const redactor = new Redactor();
const stdout = redactingStream(process.stdout, redactor);
const stderr = redactingStream(process.stderr, redactor);

async function main(argv: string[]): Promise<number> {
  loadDotenv();
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const config = loadConfig();
  addConfigSecrets(redactor, { discordToken: config.discord.token, servers: config.comfy.servers });
  // The CLI's own output is the progress line; logs only when asked for.
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn', redactor });
  switch (command) {
    case 'generate': {
      const args = parseGenerateArgs(rest);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      try {
        await runGenerate(args, config.comfy, config.workflowsDir, logger, { stdout, stderr, signal: controller.signal });
      } finally {
        process.off('SIGINT', onSignal);
      }
      return 0;
    }
    case 'templates': {
      const args = parseTemplatesArgs(rest);
      return (await runTemplates(args.server, config.comfy, config.workflowsDir, logger, stdout)) ? 0 : 1;
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
  if (isComfycordError(error)) {
    stderr.write(`\ncomfycord: ${error.userMessage}\n`);
  } else {
    stderr.write(`\ncomfycord: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env['COMFYCORD_DEBUG']) stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  }
  process.exitCode = 1;
}
