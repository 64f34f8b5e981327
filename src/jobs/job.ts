import { randomBytes } from 'node:crypto';
import type { OutputFile, OutputText } from './run-events.ts';

/**
 * One user's request to run a template, from the moment it is accepted until its
 * images are delivered. Plain data: the store persists it, the scheduler moves it
 * through its states (only through job-state.ts), renderers read it. Nothing here knows Discord or ComfyUI I/O.
 */
export type JobStatus = 'queued' | 'submitted' | 'running' | 'done' | 'failed' | 'cancelled';

/** Where a job came from: a command, or a button on an earlier job's result. */
export type JobOrigin =
  | { kind: 'command'; command: string }
  | { kind: OriginAction; parentJobId: string; imageIndex: number | null };

/** What an earlier job's button (or Remix → Edit) did to make this one. */
export type OriginAction = 'reroll' | 'vary' | 'upscale' | 'outpaint' | 'inpaint' | 'edit';
export const ORIGIN_ACTIONS = ['reroll', 'vary', 'upscale', 'outpaint', 'inpaint', 'edit'] as const satisfies readonly OriginAction[];

/** Where an input image's bytes are, so any server can be sent them, even after a restart. */
export type InputImageRef =
  /** A normalised upload kept in the data folder (path relative to it). */
  | { kind: 'file'; path: string }
  /** One image of an earlier job's result (Vary / Upscale). */
  | { kind: 'job-output'; jobId: string; index: number }
  /**
   * A person's upload not fetched yet: the job is saved with this before its deferral is
   * sent, and the intake replaces it with a `file` once the image is downloaded. A job
   * still holding it after a restart fetches it when it runs. `maxSide` is the template's.
   */
  | { kind: 'url'; url: string; maxSide: number };

/** Enough to run the job again exactly (Reroll keeps all but the seed). */
export interface JobSpec {
  template: string;
  /** Option values as the user gave them, validated; seeds may be 'random'. */
  options: Record<string, string | number | boolean>;
  /** Image options (e.g. `image`) and where their bytes come from; uploaded at run time. */
  inputs?: Record<string, InputImageRef>;
}

/** One delivered file of any kind (the name stays from when every result was an image). */
export interface JobImage {
  /** As ComfyUI reported it, read by kind, to fetch it again with /view. */
  source: OutputFile;
  /** Where the delivered copy lives (e.g. a Discord attachment URL), once known. */
  deliveredUrl: string | null;
}

export interface JobFailure {
  code: string;
  userMessage: string;
}

/** Discord-side handles, opaque to the core: kept so a restarted bot can edit the reply. */
export type JobReplyHandle = Record<string, string | number | null>;

export interface Job {
  id: string;
  userId: string;
  userName: string;
  guildId: string | null;
  channelId: string | null;
  origin: JobOrigin;
  spec: JobSpec;
  /** Values actually sent (random seeds drawn), known once the graph is rendered. */
  resolved: Record<string, string | number | boolean> | null;
  status: JobStatus;
  server: string | null;
  promptId: string | null;
  /** The result's files, in node order: still images, animations, videos, sounds. */
  images: JobImage[];
  /** The result's text outputs (a caption), shown in the embed. */
  texts: OutputText[];
  failure: JobFailure | null;
  reply: JobReplyHandle | null;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** When the final message (result or failure) reached Discord; null until then. */
  deliveredAt: number | null;
}

/** What a new job must be told; everything else starts empty. */
export type NewJob = Pick<Job, 'userId' | 'userName' | 'guildId' | 'channelId' | 'origin' | 'spec'> & Partial<Job>;

/** A job just accepted: queued, on no server yet, nothing delivered. */
export function createJob(init: NewJob): Job {
  const createdAt = init.createdAt ?? Date.now();
  return {
    id: newJobId(createdAt),
    resolved: null,
    status: 'queued',
    server: null,
    promptId: null,
    images: [],
    texts: [],
    failure: null,
    reply: null,
    createdAt,
    startedAt: null,
    finishedAt: null,
    deliveredAt: null,
    ...init,
  };
}

/** Short, time-ordered, unique ids that fit in a Discord custom_id with room to spare. */
export function newJobId(now: number = Date.now()): string {
  return `${now.toString(36)}${randomBytes(5).toString('hex')}`;
}
