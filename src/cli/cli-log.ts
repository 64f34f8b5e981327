import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../log.ts';
import type { Redactor } from '../redact/redactor.ts';

const LEVEL_NAMES: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/**
 * The CLI's logger. Its records become short lines (`warning: ComfyUI socket closed`)
 * handed to a target that `generate` points at its progress line, so a log line is
 * printed above the progress line instead of inside it, and a repeated one only once.
 */
export class CliLog {
  readonly logger: Logger;
  #target: (line: string) => void;

  constructor(level: string, stderr: NodeJS.WritableStream, redactor?: Redactor) {
    this.#target = (line) => stderr.write(`${line}\n`);
    const sink = new Writable({
      write: (chunk: Buffer, _encoding, done) => {
        for (const text of chunk.toString().split('\n')) if (text.trim() !== '') this.#target(formatRecord(text));
        done();
      },
    });
    this.logger = createLogger({ level, destination: sink, ...(redactor === undefined ? {} : { redactor }) });
  }

  /** Where lines go from now on (default: stderr, one per record). */
  route(target: (line: string) => void): void {
    this.#target = target;
  }
}

function formatRecord(text: string): string {
  try {
    const record = JSON.parse(text) as { level?: number; msg?: unknown; err?: { message?: unknown } };
    const level = LEVEL_NAMES[record.level ?? 30] ?? 'log';
    const message = typeof record.msg === 'string' ? record.msg : '';
    const cause = typeof record.err?.message === 'string' ? ` (${record.err.message})` : '';
    return `${level}: ${message}${cause}`;
  } catch {
    return text;
  }
}
