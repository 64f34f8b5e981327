import type { ImageMime, RunEvent } from './run-events.ts';

/**
 * What one ComfyUI run looks like to a person watching it, derived from RunEvents.
 * Pure: no I/O, no timers; the clock is injected so tests drive time.
 *
 * Overall progress is a weighted count of nodes. A node that reports sampler-like
 * progress (max > 1) weighs as much as `samplerShare` of the whole graph, because
 * that is where the time goes; ordinary nodes weigh 1. We only learn which nodes
 * sample as they run, so until one has been seen we assume one is still to come.
 * When the estimate of the total changes (a refiner or hires pass appears, or the
 * expected sampler never comes), the bar is re-anchored at the value already shown
 * and the remaining work fills the remaining room: it never moves backwards.
 */

export type RunPhase = 'queued' | 'running' | 'done';

export interface PreviewFrame {
  readonly image: Buffer;
  readonly mime: ImageMime;
  /** Increases by one per preview received, across resubmissions: a new number is a new image. */
  readonly sequence: number;
  readonly receivedAt: number;
}

export interface NodePosition {
  readonly id: string;
  readonly classType: string | null;
  /** 1-based among the nodes that run (cached nodes excluded). */
  readonly index: number;
  /** Null when progress arrived without any node event. */
  readonly total: number | null;
}

export interface ProgressSnapshot {
  readonly phase: RunPhase;
  /** Prompts ahead of ours in ComfyUI's queue while queued; null when unknown. */
  readonly ahead: number | null;
  readonly node: NodePosition | null;
  /** The current node's progress (sampler step s of S); null when it reports none. */
  readonly step: { readonly value: number; readonly max: number } | null;
  readonly cachedNodes: number;
  /** 0..1, never decreasing within one submission; 1 only once done. */
  readonly fraction: number;
  /** floor(fraction × 100). */
  readonly percent: number;
  /** Time left in the current sampler pass; null until two steps were seen or when no sampler runs. */
  readonly etaMs: number | null;
  /** Since the run started on the server; null while queued. */
  readonly elapsedMs: number | null;
  readonly preview: PreviewFrame | null;
  /** The latest progress text of the running node (binary TEXT frames). */
  readonly text: string | null;
  /** What the running node says it is doing (newer ComfyUI: 'loading' its models); null otherwise. */
  readonly activity: string | null;
  /** True after a socket reconnect until the next sign of life from the run. */
  readonly resyncing: boolean;
  /** Why the prompt was submitted again, once that happened. */
  readonly resubmitted: string | null;
}

export interface RunProgressOptions {
  now?: () => number;
  /** Share of the bar the sampler(s) of a graph get. Default 0.8. */
  samplerShare?: number;
  /** Weight of the newest step-time sample in the smoothed rate, 0..1. Default 0.3. */
  etaSmoothing?: number;
}

/** Progress stays below 100 % until the run is actually done. */
const RUNNING_CAP = 0.99;

interface CurrentNode {
  id: string;
  classType: string | null;
  samplerLike: boolean;
  completedPasses: number;
  passValue: number;
  passMax: number;
}

export class RunProgress {
  readonly #now: () => number;
  readonly #samplerShare: number;
  readonly #alpha: number;

  #phase: RunPhase = 'queued';
  #ahead: number | null = null;
  #startedAt: number | null = null;
  #finishedAt: number | null = null;
  #cachedNodes = 0;
  #text: string | null = null;
  #activity: string | null = null;
  #resyncing = false;
  #resubmitted: string | null = null;
  #preview: PreviewFrame | null = null;
  #previewSequence = 0;

  #totalNodes: number | null = null;
  #nodeIndex = 0;
  #current: CurrentNode | null = null;
  #completedWeight = 0;
  #samplersSeen = 0;
  #samplerWeight = 1;

  #shown = 0;
  #anchor = { shown: 0, raw: 0, totalWeight: Number.NaN };

  #msPerStep: number | null = null;
  #lastStepAt: number | null = null;

  constructor(options: RunProgressOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#samplerShare = clamp(options.samplerShare ?? 0.8, 0.05, 0.95);
    this.#alpha = clamp(options.etaSmoothing ?? 0.3, 0.01, 1);
  }

  apply(event: RunEvent): void {
    const now = this.#now();
    // A finished run only changes again if the server lost it and it was submitted anew.
    if (this.#phase === 'done' && event.type !== 'resubmitted') return;
    switch (event.type) {
      case 'queued':
        if (this.#phase === 'queued') this.#ahead = event.ahead;
        return;
      case 'started':
        this.#markRunning(now);
        return;
      case 'cached':
        this.#cachedNodes += event.nodes.length;
        return;
      case 'node':
        this.#markRunning(now);
        this.#startNode(event.node, event.classType, event.index, event.total);
        break;
      case 'progress':
        this.#markRunning(now);
        this.#advance(event.node, event.value, event.max, now);
        break;
      case 'preview':
        this.#resyncing = false;
        this.#previewSequence += 1;
        this.#preview = Object.freeze({ image: event.image, mime: event.mime, sequence: this.#previewSequence, receivedAt: now });
        return;
      case 'progress_text':
        if (this.#current === null || this.#current.id === event.node) this.#text = event.text;
        return;
      case 'activity':
        this.#markRunning(now);
        if (this.#current === null || this.#current.id === event.node) this.#activity = event.activity;
        return;
      case 'output':
        return;
      case 'reconnected':
        this.#resyncing = true;
        return;
      case 'resubmitted':
        this.#restart(event.reason);
        return;
    }
    this.#recompute();
  }

  /** The run finished (history is complete): the bar fills and the clock stops. */
  finish(): void {
    if (this.#phase === 'done') return;
    const now = this.#now();
    this.#startedAt ??= now;
    this.#finishedAt = now;
    this.#phase = 'done';
    this.#shown = 1;
    this.#resyncing = false;
  }

  snapshot(): ProgressSnapshot {
    const now = this.#now();
    const current = this.#current;
    const stepping = current !== null && current.passMax > 0 && this.#phase === 'running';
    return Object.freeze({
      phase: this.#phase,
      ahead: this.#phase === 'queued' ? this.#ahead : null,
      node:
        current === null || this.#phase !== 'running'
          ? null
          : Object.freeze({ id: current.id, classType: current.classType, index: this.#nodeIndex, total: this.#totalNodes }),
      step: stepping ? Object.freeze({ value: current.passValue, max: current.passMax }) : null,
      cachedNodes: this.#cachedNodes,
      fraction: this.#shown,
      percent: Math.floor(this.#shown * 100 + 1e-9),
      etaMs: this.#eta(now),
      elapsedMs: this.#startedAt === null ? null : (this.#finishedAt ?? now) - this.#startedAt,
      preview: this.#preview,
      text: this.#phase === 'running' ? this.#text : null,
      activity: this.#phase === 'running' ? this.#activity : null,
      resyncing: this.#resyncing,
      resubmitted: this.#resubmitted,
    });
  }

  #markRunning(now: number): void {
    this.#resyncing = false;
    this.#phase = 'running';
    this.#startedAt ??= now;
  }

  #startNode(id: string, classType: string | null, index: number, total: number): void {
    // A repeated event for the running node (e.g. replayed after a reconnect) changes nothing.
    if (this.#current !== null && this.#current.id === id && this.#nodeIndex === index) return;
    if (this.#totalNodes === null) {
      // Sized once so later samplers weigh the same as the first.
      this.#samplerWeight = (Math.max(1, total - 1) * this.#samplerShare) / (1 - this.#samplerShare);
    }
    this.#completeCurrent();
    this.#totalNodes = total;
    this.#nodeIndex = index;
    this.#text = null;
    this.#activity = null;
    this.#current = { id, classType, samplerLike: false, completedPasses: 0, passValue: 0, passMax: 0 };
  }

  #completeCurrent(): void {
    const current = this.#current;
    if (current === null) return;
    this.#completedWeight += current.samplerLike ? this.#samplerWeight * (current.completedPasses + 1) : 1;
    this.#current = null;
    this.#lastStepAt = null;
  }

  #advance(node: string | null, value: number, max: number, now: number): void {
    if (!(max > 0) || !Number.isFinite(value)) return;
    let current = this.#current;
    if (current === null) {
      // Progress without a node event (older servers, resync): a graph of one unknown node.
      current = { id: node ?? '?', classType: null, samplerLike: false, completedPasses: 0, passValue: 0, passMax: 0 };
      this.#current = current;
    }
    const newPass = current.passMax > 0 && (max !== current.passMax || value < current.passValue);
    if (newPass) {
      // A second loop inside the same node (e.g. a tiled or two-stage node): more work, not a reset.
      current.completedPasses += 1;
      this.#lastStepAt = null;
    }
    if (!newPass && this.#lastStepAt !== null && value > current.passValue) {
      const sample = (now - this.#lastStepAt) / (value - current.passValue);
      this.#msPerStep = this.#msPerStep === null ? sample : this.#alpha * sample + (1 - this.#alpha) * this.#msPerStep;
    }
    if (newPass || value !== current.passValue || this.#lastStepAt === null) this.#lastStepAt = now;
    current.passValue = Math.min(value, max);
    current.passMax = max;
    if (!current.samplerLike && max > 1) {
      current.samplerLike = true;
      this.#samplersSeen += 1;
    }
  }

  #recompute(): void {
    const { raw, totalWeight } = this.#estimate();
    if (totalWeight !== this.#anchor.totalWeight) {
      // The model of the total changed: keep what is shown, spread the rest over what is left.
      this.#anchor = raw >= this.#shown ? { shown: raw, raw, totalWeight } : { shown: this.#shown, raw, totalWeight };
    }
    const { shown, raw: rawAtAnchor } = this.#anchor;
    const mapped = rawAtAnchor >= 1 ? shown : shown + ((1 - shown) * (raw - rawAtAnchor)) / (1 - rawAtAnchor);
    this.#shown = clamp(Math.max(this.#shown, mapped), 0, RUNNING_CAP);
  }

  #estimate(): { raw: number; totalWeight: number } {
    const current = this.#current;
    if (current === null) return { raw: 0, totalWeight: Number.NaN };
    const passFraction = current.passMax > 0 ? current.passValue / current.passMax : 0;
    const currentWeight = current.samplerLike ? this.#samplerWeight * (current.completedPasses + 1) : 1;
    const currentDone = current.samplerLike ? this.#samplerWeight * (current.completedPasses + passFraction) : 0;
    const unseen = this.#totalNodes === null ? 0 : Math.max(0, this.#totalNodes - this.#nodeIndex);
    const expectedSampler = this.#samplersSeen === 0 && unseen > 0 ? this.#samplerWeight - 1 : 0;
    const totalWeight = this.#completedWeight + currentWeight + unseen + expectedSampler;
    return { raw: (this.#completedWeight + currentDone) / totalWeight, totalWeight };
  }

  #eta(now: number): number | null {
    const current = this.#current;
    if (this.#phase === 'done') return 0;
    if (this.#phase !== 'running' || current === null || !current.samplerLike) return null;
    if (this.#msPerStep === null || this.#lastStepAt === null) return null;
    const left = (current.passMax - current.passValue) * this.#msPerStep - (now - this.#lastStepAt);
    return Math.max(0, Math.round(left));
  }

  #restart(reason: string): void {
    this.#phase = 'queued';
    this.#ahead = null;
    this.#startedAt = null;
    this.#finishedAt = null;
    this.#cachedNodes = 0;
    this.#text = null;
    this.#activity = null;
    this.#resyncing = false;
    this.#resubmitted = reason;
    this.#preview = null;
    this.#totalNodes = null;
    this.#nodeIndex = 0;
    this.#current = null;
    this.#completedWeight = 0;
    this.#samplersSeen = 0;
    this.#shown = 0;
    this.#anchor = { shown: 0, raw: 0, totalWeight: Number.NaN };
    this.#lastStepAt = null;
  }
}

/** One line for a terminal or a log: "node 5/9 · step 12/30 · 41% · ~18 s left". */
export function formatProgressLine(snapshot: ProgressSnapshot): string {
  if (snapshot.phase === 'queued') return snapshot.ahead === null ? 'queued' : `queued, ${snapshot.ahead} ahead`;
  if (snapshot.phase === 'done') return 'done';
  const parts: string[] = [];
  if (snapshot.node !== null) parts.push(`node ${snapshot.node.index}/${snapshot.node.total ?? '?'}`);
  if (snapshot.step !== null) parts.push(`step ${snapshot.step.value}/${snapshot.step.max}`);
  parts.push(`${snapshot.percent}%`);
  if (snapshot.etaMs !== null) parts.push(`~${Math.ceil(snapshot.etaMs / 1000)} s left`);
  return parts.join(' · ');
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
