import { formatProgressLine, RunProgress } from '../jobs/progress.ts';
import type { RunEvent } from '../jobs/run-events.ts';

export interface ProgressLineOptions {
  /** Off a terminal: least time between two progress lines. Default 1000. */
  intervalMs?: number;
  /** Off a terminal: least time between two "waiting for ComfyUI" lines. Default 10000. */
  waitIntervalMs?: number;
  now?: () => number;
}

/**
 * The CLI's live progress on stderr. On a terminal it is one line rewritten in place;
 * anything else (notes, warnings) is printed above it and the line is drawn again, so the
 * two never share a line. Off a terminal it prints a line when the text changes, at most
 * every `intervalMs`, and the last state before the end is always printed.
 */
export class ProgressLine {
  readonly #progress: RunProgress;
  readonly #stream: NodeJS.WritableStream;
  readonly #interactive: boolean;
  readonly #intervalMs: number;
  readonly #waitIntervalMs: number;
  readonly #now: () => number;
  readonly #said = new Set<string>();
  readonly #startedAt: number;
  /** What the line says now (drawn or, off a terminal, maybe held back by the interval). */
  #current = '';
  /** The text last written as the progress line. */
  #written = '';
  #writtenAt = Number.NEGATIVE_INFINITY;
  /** The line is on screen without its newline (terminal only). */
  #open = false;
  #waiting: { host: string; since: number } | null = null;
  #finished = false;

  constructor(stream: NodeJS.WritableStream, options: ProgressLineOptions = {}) {
    this.#stream = stream;
    this.#interactive = (stream as { isTTY?: boolean }).isTTY === true;
    this.#intervalMs = options.intervalMs ?? 1000;
    this.#waitIntervalMs = options.waitIntervalMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#progress = new RunProgress({ now: this.#now });
    this.#startedAt = this.#now();
  }

  /** True when this writes to a terminal (then it uses carriage returns). */
  get interactive(): boolean {
    return this.#interactive;
  }

  apply(event: RunEvent): void {
    this.#progress.apply(event);
    if (event.type === 'reconnected') this.note('connection to ComfyUI restored; catching up');
    if (event.type === 'resubmitted') this.note(event.reason);
    this.#update();
  }

  /** A message of its own, above the progress line. */
  note(text: string): void {
    if (this.#open) {
      // Wipe the progress line, print the note in its place, draw the line again below.
      this.#stream.write('\r\x1b[2K');
      this.#open = false;
    }
    this.#stream.write(`${text}\n`);
    this.#redraw();
  }

  /** Like note, but a text already said is not said again (a warning that repeats every reconnect). */
  noteOnce(text: string): void {
    if (this.#said.has(text)) return;
    this.#said.add(text);
    this.note(text);
  }

  /** ComfyUI unreachable since `since` (ms, same clock): the line says so until `resumed()`. */
  waiting(host: string, since: number): void {
    this.#waiting = { host, since };
    this.#update();
  }

  resumed(): void {
    if (this.#waiting === null) return;
    this.#waiting = null;
    this.#update();
  }

  /** Seconds since the wait began, or null when not waiting. */
  downForMs(): number | null {
    return this.#waiting === null ? null : this.#now() - this.#waiting.since;
  }

  /** Redraws time-dependent text (the down counter, the ETA); call about once a second. */
  tick(): void {
    this.#update();
  }

  /** The run is over: the last step is shown (also off a terminal), then "done in N s". */
  finish(): void {
    if (this.#finished) return;
    this.#waiting = null;
    this.#flushHeld();
    this.#progress.finish();
    this.#finished = true;
    const seconds = (this.#now() - this.#startedAt) / 1000;
    this.#current = `done in ${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
    this.#write(this.#current);
    this.#closeLine();
  }

  /** Ends the line (an error or Ctrl-C follows): what it says stays on screen, complete. */
  abandon(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#flushHeld();
    this.#closeLine();
  }

  #text(): string {
    if (this.#waiting !== null) {
      const seconds = Math.max(0, Math.floor((this.#now() - this.#waiting.since) / 1000));
      return `waiting for ComfyUI at ${this.#waiting.host} (down ${seconds} s)`;
    }
    return formatProgressLine(this.#progress.snapshot());
  }

  #update(): void {
    if (this.#finished) return;
    this.#current = this.#text();
    if (this.#current === this.#written) return;
    if (!this.#interactive) {
      const interval = this.#waiting !== null && this.#written.startsWith('waiting for ComfyUI') ? this.#waitIntervalMs : this.#intervalMs;
      if (this.#now() - this.#writtenAt < interval) return;
    }
    this.#write(this.#current);
  }

  /** Off a terminal, a line held back by the interval is printed before the end. */
  #flushHeld(): void {
    if (!this.#interactive && this.#current !== '' && this.#current !== this.#written) this.#write(this.#current);
  }

  #write(line: string): void {
    if (this.#interactive) {
      this.#stream.write(`\r\x1b[2K${line}`);
      this.#open = true;
    } else {
      this.#stream.write(`${line}\n`);
    }
    this.#written = line;
    this.#writtenAt = this.#now();
  }

  #closeLine(): void {
    if (!this.#open) return;
    // The text stays; what follows starts on a line of its own.
    this.#stream.write('\n');
    this.#open = false;
  }

  #redraw(): void {
    if (!this.#interactive || this.#finished || this.#written === '') return;
    this.#write(this.#current === '' ? this.#written : this.#current);
  }
}
