import { ComfyStandin, type StandinOptions } from '../test/support/comfy-standin.ts';

/** The checkpoint the shipped templates default to; every stand-in offers it. */
export const CHECKPOINT = 'sd_xl_base_1.0.safetensors';

/** What one stand-in saw of one prompt, timed by this process's clock. */
export interface PromptTimeline {
  promptId: string;
  server: number;
  startedAt: number;
  doneAt: number | null;
  status: string | null;
  /** Time each sampler step was reported, by step value (1-based). */
  steps: Map<number, number>;
}

/**
 * One or more ComfyUI stand-ins on 127.0.0.1 whose prompts are timed as they run:
 * execution start, every sampler step and the end, from the stand-ins' own events.
 */
export class ComfyRig {
  readonly standins: ComfyStandin[];
  readonly prompts = new Map<string, PromptTimeline>();

  private constructor(standins: ComfyStandin[]) {
    this.standins = standins;
    standins.forEach((standin, server) => {
      standin.on('executing-start', (promptId) => {
        this.prompts.set(promptId, { promptId, server, startedAt: Date.now(), doneAt: null, status: null, steps: new Map() });
      });
      standin.on('progress', (promptId, _node, value) => {
        this.prompts.get(promptId)?.steps.set(value, Date.now());
      });
      standin.on('done', (promptId, status) => {
        const timeline = this.prompts.get(promptId);
        if (timeline === undefined) return;
        timeline.doneAt = Date.now();
        timeline.status = status;
      });
    });
  }

  static async start(count: number, options: StandinOptions): Promise<ComfyRig> {
    const standins = await Promise.all(
      Array.from({ length: count }, () => ComfyStandin.start({ models: { checkpoints: [CHECKPOINT] }, ...options })),
    );
    return new ComfyRig(standins);
  }

  get urls(): string[] {
    return this.standins.map((standin) => standin.url);
  }

  /** Prompts that finished (any status), in order of finishing. */
  finished(): PromptTimeline[] {
    return [...this.prompts.values()].filter((p) => p.doneAt !== null).sort((a, b) => a.doneAt! - b.doneAt!);
  }

  /** Sum over prompts of execution start → done: the time the "GPUs" were busy. */
  busyMs(): number {
    return this.finished().reduce((total, p) => total + (p.doneAt! - p.startedAt), 0);
  }

  /** Idle time on each server between one prompt's end and the next one's start. */
  gapsMs(): number[] {
    const gaps: number[] = [];
    this.standins.forEach((_, server) => {
      const runs = this.finished().filter((p) => p.server === server).sort((a, b) => a.startedAt - b.startedAt);
      for (let i = 1; i < runs.length; i += 1) gaps.push(runs[i]!.startedAt - runs[i - 1]!.doneAt!);
    });
    return gaps;
  }

  /** When `execution_success` was sent for a prompt, from the stand-in's history entry. */
  successAt(promptId: string): number | null {
    for (const standin of this.standins) {
      const entry = standin.history.get(promptId) as { status?: { messages?: Array<[string, { timestamp?: number }]> } } | undefined;
      const message = entry?.status?.messages?.find(([type]) => type === 'execution_success');
      if (message?.[1].timestamp !== undefined) return message[1].timestamp;
    }
    return null;
  }

  pause(): void {
    for (const standin of this.standins) standin.pause();
  }

  resume(): void {
    for (const standin of this.standins) standin.resume();
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.standins.map((standin) => standin.close()));
  }
}
