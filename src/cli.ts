import { parseGenerateArgs, parseTemplatesArgs } from './cli/cli-args.ts';
import { runGenerate } from './cli/generate-command.ts';
import { runTemplates } from './cli/templates-command.ts';
import { loadDotenv } from './dotenv.ts';
import { loadConfig } from './config.ts';
import { isComfycordError } from './errors.ts';
import { createLogger } from './log.ts';

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

async function main(argv: string[]): Promise<number> {
  loadDotenv();
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const config = loadConfig();
  // The CLI's own output is the progress line; logs only when asked for.
  const logger = createLogger({ level: process.env['LOG_LEVEL'] ?? 'warn' });
  switch (command) {
    case 'generate': {
      const args = parseGenerateArgs(rest);
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once('SIGINT', onSignal);
      try {
        await runGenerate(args, config.comfy, config.workflowsDir, logger, { stdout: process.stdout, stderr: process.stderr, signal: controller.signal });
      } finally {
        process.off('SIGINT', onSignal);
      }
      return 0;
    }
    case 'templates': {
      const args = parseTemplatesArgs(rest);
      return (await runTemplates(args.server, config.comfy, config.workflowsDir, logger, process.stdout)) ? 0 : 1;
    }
    case 'register': {
      const { runRegister } = await import('./discord/register-commands.ts');
      await runRegister(config, logger);
      return 0;
    }
    default:
      process.stderr.write(`comfycord: unknown command '${command}'\n\n${USAGE}`);
      return 1;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (isComfycordError(error)) {
    process.stderr.write(`\ncomfycord: ${error.userMessage}\n`);
  } else {
    process.stderr.write(`\ncomfycord: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env['COMFYCORD_DEBUG']) console.error(error);
  }
  process.exitCode = 1;
}
