import { loadConfig, ConfigError, type Config } from '../config.ts';
import { buildCommandDefinitions } from '../commands/command-definitions.ts';
import type { Logger } from '../log.ts';
import type { Redactor } from '../redact/redactor.ts';
import { addConfigSecrets } from '../redact/config-secrets.ts';
import { readRegisteredHash } from '../store/command-registrations.ts';
import { databasePath } from '../store/open-database.ts';
import { formatProblem } from '../workflows/index.ts';
import { fail, formatSection, ok, type CheckResult } from './doctor/check.ts';
import { comfyChecks } from './doctor/comfy-checks.ts';
import { dataDirCheck } from './doctor/data-dir-check.ts';
import { storeCheck } from './doctor/store-check.ts';
import { discordChecks } from './doctor/discord-checks.ts';
import { CliUsageError } from './cli-errors.ts';
import { loadTemplateSet, workflowsDirFor } from '../workflows/template-folder.ts';

export interface DoctorArgs {
  probe: boolean;
}

export function parseDoctorArgs(args: readonly string[]): DoctorArgs {
  let probe = true;
  for (const arg of args) {
    if (arg === '--no-probe') probe = false;
    else throw new CliUsageError(`doctor: unknown option '${arg}' (see 'comfycord doctor --help')`);
  }
  return { probe };
}

/** How long the preview probe may take on one server, queue wait included. */
const PROBE_TIMEOUT_MS = 120_000;
const REQUEST_TIMEOUT_MS = 10_000;

/**
 * `comfycord doctor`: the checklist an operator runs before (or while) the bot runs.
 * Prints every check with ✓/✗/– and the fix under each ✗; returns the exit status
 * (1 when anything failed). Reads the environment itself so that a broken
 * configuration is one ✗ line, not a crash.
 */
export async function runDoctor(args: DoctorArgs, env: NodeJS.ProcessEnv, logger: Logger, redactor: Redactor, out: NodeJS.WritableStream): Promise<number> {
  let failures = 0;
  const section = (title: string, checks: readonly CheckResult[]) => {
    failures += checks.filter((check) => check.status === 'fail').length;
    out.write(`${formatSection(title, checks)}\n`);
  };
  let config: Config;
  try {
    config = loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    section('Configuration', [fail('configuration', error.problems.join('; '), 'correct these variables in .env or the environment (see .env.example)')]);
    out.write('1 problem: nothing else can be checked until the configuration is valid.\n');
    return 1;
  }
  addConfigSecrets(redactor, { discordToken: config.discord.token, servers: config.comfy.servers });
  const templates = await loadTemplateSet(config.workflowsDir);
  const dir = workflowsDirFor(config.workflowsDir);
  section('Configuration', [
    ok('configuration valid'),
    templates.errors.length === 0
      ? ok(`templates in ${dir}`, templates.names().join(', '))
      : fail(`templates in ${dir}`, templates.errors.flatMap((error) => error.problems.map(formatProblem)).join('; '), 'fix the template files named (see workflows/README.md)'),
  ]);
  section('Storage', [await dataDirCheck(config.dataDir), storeCheck(config.dataDir)]);
  const dbPath = databasePath(config.dataDir);
  section(
    'Discord',
    await discordChecks({
      config,
      definitions: buildCommandDefinitions(templates, { allowDms: config.access.allowDms }),
      lastRegisteredHash: (scope) => readRegisteredHash(dbPath, scope),
    }),
  );
  for (const report of await comfyChecks(config.comfy, templates.list(), logger, { probe: args.probe, probeTimeoutMs: PROBE_TIMEOUT_MS, timeoutMs: REQUEST_TIMEOUT_MS })) {
    section(report.title, report.checks);
  }
  out.write(failures === 0 ? 'Everything checked is fine.\n' : `${failures} problem${failures === 1 ? '' : 's'} found.\n`);
  return failures === 0 ? 0 : 1;
}
