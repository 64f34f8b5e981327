import { formatProgressLine, RunProgress } from '../jobs/progress.ts';
import type { RunEvent } from '../jobs/run-events.ts';

/**
 * The CLI's live progress on stderr: rewritten in place on a terminal, otherwise one
 * line whenever the text changes but at most every `intervalMs` (logs stay short).
 */
export class ProgressLine {
  readonly #progress = new RunProgress();
  readonly #stream: NodeJS.WriteStream;
  readonly #interactive: boolean;
  readonly #intervalMs: number;
  #last = '';
  #lastAt = 0;

  constructor(stream: NodeJS.WriteStream = process.stderr, options: { intervalMs?: number } = {}) {
    this.#stream = stream;
    this.#interactive = stream.isTTY === true;
    this.#intervalMs = options.intervalMs ?? 1000;
  }

  apply(event: RunEvent): void {
    this.#progress.apply(event);
    if (event.type === 'reconnected') this.note('connection to ComfyUI restored; catching up');
    if (event.type === 'resubmitted') this.note(`ComfyUI lost the prompt (${event.reason}); submitted it again`);
    this.#draw(false);
  }

  /** A message of its own, on its own line. */
  note(text: string): void {
    this.#clear();
    this.#stream.write(`${text}\n`);
    this.#last = '';
  }

  finish(): void {
    this.#progress.finish();
    this.#draw(true);
    if (this.#interactive) this.#stream.write('\n');
  }

  #draw(force: boolean): void {
    const line = formatProgressLine(this.#progress.snapshot());
    if (line === this.#last) return;
    const now = Date.now();
    if (this.#interactive) {
      this.#stream.write(`\r\x1b[2K${line}`);
    } else {
      if (!force && now - this.#lastAt < this.#intervalMs) return;
      this.#stream.write(`${line}\n`);
    }
    this.#last = line;
    this.#lastAt = now;
  }

  #clear(): void {
    if (this.#interactive && this.#last !== '') this.#stream.write('\r\x1b[2K');
  }
}
