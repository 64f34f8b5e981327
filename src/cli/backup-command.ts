import { resolve } from 'node:path';
import { CliUsageError } from './cli-errors.ts';
import { backupStore } from '../store/store-backup.ts';

/** `comfycord backup FILE`: exactly one argument, the file to write. */
export function parseBackupArgs(args: readonly string[]): { file: string } {
  const options = args.filter((arg) => arg.startsWith('-'));
  if (options.length > 0) throw new CliUsageError(`backup: unknown option '${options[0] ?? ''}' (see 'comfycord backup --help')`);
  const [file, ...extra] = args;
  if (file === undefined || extra.length > 0) throw new CliUsageError("backup: give exactly one FILE to write (see 'comfycord backup --help')");
  return { file };
}

export async function runBackup(file: string, dataDir: string, cwd: string, out: NodeJS.WritableStream): Promise<void> {
  const report = await backupStore(dataDir, resolve(cwd, file));
  out.write(
    `Backed up store ${report.storeId ?? '(no id yet)'}: ${report.jobs} job${report.jobs === 1 ? '' : 's'}, ${report.bytes} bytes, to ${report.path}\n`,
  );
}
