import type { EditPayload, MessageView, ViewFile } from '../../src/discord/message-view.ts';
import type { ReplySink } from '../../src/discord/reply-editor.ts';

export interface RecordedEdit {
  key: string;
  at: number;
  payload: EditPayload;
}

/**
 * An in-memory Discord: records when each edit started and what it carried, takes
 * `latencyMs` (on the fake clock) to answer, and fails the next calls with whatever
 * errors were queued for that message. Tracks concurrency per message.
 */
export class FakeDiscord {
  readonly edits: RecordedEdit[] = [];
  latencyMs: number;
  maxInFlightPerKey = 0;
  readonly #inFlight = new Map<string, number>();
  readonly #failures = new Map<string, unknown[]>();

  constructor(latencyMs = 50) {
    this.latencyMs = latencyMs;
  }

  sink(key: string): ReplySink {
    return { edit: (payload) => this.#edit(key, payload) };
  }

  /**
   * A sink with named routes, as ReplyTarget has: `routes[0]` first, `fallBack` moves to
   * the next. Edits are recorded under `${key}@${route}`, so failures can be queued per route.
   */
  routedSink(key: string, routes: Array<{ name: string; botToken: boolean }>): ReplySink & { current: () => string } {
    let index = 0;
    const current = () => routes[index]!.name;
    return {
      current,
      edit: (payload) => this.#edit(`${key}@${current()}`, payload),
      nextRoute: () => ({ key: `${key}@${current()}`, botToken: routes[index]!.botToken }),
      fallBack: () => {
        if (index + 1 >= routes.length) return false;
        index += 1;
        return true;
      },
    };
  }

  failNext(key: string, ...errors: unknown[]): void {
    this.#failures.set(key, [...(this.#failures.get(key) ?? []), ...errors]);
  }

  editsOf(key: string): RecordedEdit[] {
    return this.edits.filter((e) => e.key === key);
  }

  async #edit(key: string, payload: EditPayload): Promise<void> {
    const running = (this.#inFlight.get(key) ?? 0) + 1;
    this.#inFlight.set(key, running);
    this.maxInFlightPerKey = Math.max(this.maxInFlightPerKey, running);
    this.edits.push({ key, at: Date.now(), payload });
    try {
      await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      const failure = this.#failures.get(key)?.shift();
      if (failure !== undefined) throw failure as Error;
    } finally {
      this.#inFlight.set(key, (this.#inFlight.get(key) ?? 1) - 1);
    }
  }
}

/** Errors shaped like the ones discord.js throws (DiscordAPIError fields). */
export const discordErrors = {
  serverError: () => Object.assign(new Error('Internal Server Error'), { status: 503 }),
  network: () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
  rateLimited: (seconds: number, global = false) =>
    Object.assign(new Error('You are being rate limited.'), { status: 429, code: 0, rawError: { retry_after: seconds, global } }),
  invalidToken: () => Object.assign(new Error('Invalid Webhook Token'), { status: 401, code: 50027 }),
  unknownWebhook: () => Object.assign(new Error('Unknown Webhook'), { status: 404, code: 10015 }),
  unknownMessage: () => Object.assign(new Error('Unknown Message'), { status: 404, code: 10008 }),
  invalidForm: () => Object.assign(new Error('Invalid Form Body'), { status: 400, code: 50035 }),
};

let previewBytes = 0;

export function view(content: string, options: { preview?: number; outputs?: string[] } = {}): MessageView {
  const files: ViewFile[] = [];
  if (options.preview !== undefined) {
    files.push({ name: 'preview.jpg', data: Buffer.from([previewBytes++ % 256]), id: `preview:${options.preview}`, kind: 'preview' });
  }
  for (const name of options.outputs ?? []) files.push({ name, data: Buffer.from(name), id: `output:${name}`, kind: 'output' });
  return {
    content,
    embed: {
      title: 't',
      description: 'd',
      fields: [],
      color: 0,
      footer: 'f',
      ...(files[0] === undefined ? {} : { imageAttachmentName: files[0].name }),
    },
    files,
    buttons: [],
  };
}
