import { z } from 'zod';
import { ComfycordError } from '../errors.ts';
import { ORIGIN_ACTIONS, type InputImageRef, type Job, type JobFailure, type JobImage, type JobOrigin, type JobReplyHandle, type JobSpec, type JobStatus } from '../jobs/job.ts';
import { OUTPUT_FILE_KINDS, type OutputText } from '../jobs/run-events.ts';
import type { SqlRow, SqlValue } from './sqlite.ts';
import type { StoreErrorCode } from './error-codes.ts';

/**
 * The one place that knows how a Job is laid out in the `jobs` table. Scalars are
 * columns (so they can be indexed and queried), nested values are JSON columns.
 * Everything read back is validated: the file may have been edited, restored from an
 * old backup or damaged, and a bad row must become a log line, not a crash.
 */

/** Columns in table order; the upsert and every SELECT use this list. */
export const JOB_COLUMNS = [
  'id', 'user_id', 'user_name', 'guild_id', 'channel_id', 'origin', 'template', 'options', 'inputs', 'resolved',
  'status', 'server', 'prompt_id', 'images', 'texts', 'failure', 'reply', 'created_at', 'started_at', 'finished_at', 'delivered_at', 'updated_at',
] as const;
export type JobColumn = (typeof JOB_COLUMNS)[number];

// Adding a field to Job or JobSpec without mapping it here is a compile error.
const _MAPPED_JOB_FIELDS = {
  id: 1, userId: 1, userName: 1, guildId: 1, channelId: 1, origin: 1, spec: 1, resolved: 1, status: 1, server: 1,
  promptId: 1, images: 1, texts: 1, failure: 1, reply: 1, createdAt: 1, startedAt: 1, finishedAt: 1, deliveredAt: 1,
} as const satisfies Record<keyof Job, 1>;
const _MAPPED_SPEC_FIELDS = { template: 1, options: 1, inputs: 1 } as const satisfies Record<keyof JobSpec, 1>;

export const JOB_STATUSES = ['queued', 'submitted', 'running', 'done', 'failed', 'cancelled'] as const satisfies readonly JobStatus[];
type UnlistedStatus = Exclude<JobStatus, (typeof JOB_STATUSES)[number]>;
const _ALL_STATUSES_LISTED: [UnlistedStatus] extends [never] ? true : never = true;

const optionValues = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));
const originSchema: z.ZodType<JobOrigin> = z.union([
  z.object({ kind: z.literal('command'), command: z.string() }),
  z.object({ kind: z.enum(ORIGIN_ACTIONS), parentJobId: z.string(), imageIndex: z.number().int().nullable() }),
]);
const inputsSchema: z.ZodType<Record<string, InputImageRef>> = z.record(
  z.string(),
  z.union([
    z.object({ kind: z.literal('file'), path: z.string() }),
    z.object({ kind: z.literal('job-output'), jobId: z.string(), index: z.number().int() }),
    z.object({ kind: z.literal('url'), url: z.string(), maxSide: z.number().int().positive() }),
  ]),
);
// `source` is ComfyUI's own record: keep any fields it adds. Rows written before output
// kinds existed hold only still images, saved as PNG: they read back as such.
const sourceSchema = z
  .looseObject({
    filename: z.string(),
    subfolder: z.string(),
    type: z.string(),
    kind: z.enum(OUTPUT_FILE_KINDS).default('image'),
    mime: z.string().default('image/png'),
    extension: z.string().optional(),
    frameRate: z.number().positive().optional(),
    format: z.string().optional(),
  })
  .transform(({ extension, frameRate, format, ...rest }) => ({
    ...rest,
    extension: extension ?? (/\.([A-Za-z0-9]+)$/.exec(rest.filename)?.[1]?.toLowerCase() ?? 'png'),
    ...(frameRate === undefined ? {} : { frameRate }),
    ...(format === undefined ? {} : { format }),
  }));
const imagesSchema: z.ZodType<JobImage[]> = z.array(z.object({ source: sourceSchema, deliveredUrl: z.string().nullable() }));
const textsSchema: z.ZodType<OutputText[]> = z.array(z.object({ node: z.string(), text: z.string() }));
const failureSchema: z.ZodType<JobFailure> = z.object({ code: z.string(), userMessage: z.string() });
const replySchema: z.ZodType<JobReplyHandle> = z.record(z.string(), z.union([z.string(), z.number(), z.null()]));

const text = z.string();
const maybeText = z.string().nullable();
const time = z.number().int();
const rowSchema = z.object({
  id: text, user_id: text, user_name: text, guild_id: maybeText, channel_id: maybeText, origin: text, template: text,
  options: text, inputs: maybeText, resolved: maybeText, status: z.enum(JOB_STATUSES), server: maybeText,
  prompt_id: maybeText, images: text, texts: maybeText, failure: maybeText, reply: maybeText, created_at: time,
  started_at: time.nullable(), finished_at: time.nullable(), delivered_at: time.nullable(), updated_at: time,
});

/** A row that cannot be turned back into a Job. Carries no column values: they may hold secrets. */
export class CorruptJobRowError extends ComfycordError<StoreErrorCode> {
  readonly jobId: string | null;
  readonly column: string;
  readonly problem: string;

  constructor(jobId: string | null, column: string, problem: string) {
    super('STORE_CORRUPT_ROW', 'This job\'s saved record is damaged and cannot be read.', {
      context: { jobId, column, problem },
      message: `job row ${jobId ?? '?'} column ${column}: ${problem}`,
    });
    this.jobId = jobId;
    this.column = column;
    this.problem = problem;
  }
}

export function jobToRow(job: Job, updatedAt: number): Record<JobColumn, SqlValue> {
  const json = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
  return {
    id: job.id,
    user_id: job.userId,
    user_name: job.userName,
    guild_id: job.guildId,
    channel_id: job.channelId,
    origin: JSON.stringify(job.origin),
    template: job.spec.template,
    options: JSON.stringify(job.spec.options),
    inputs: json(job.spec.inputs),
    resolved: json(job.resolved),
    status: job.status,
    server: job.server,
    prompt_id: job.promptId,
    images: JSON.stringify(job.images),
    texts: job.texts.length === 0 ? null : JSON.stringify(job.texts),
    failure: json(job.failure),
    reply: json(job.reply),
    created_at: job.createdAt,
    started_at: job.startedAt,
    finished_at: job.finishedAt,
    delivered_at: job.deliveredAt,
    updated_at: updatedAt,
  };
}

/** The Job in a row, or a CorruptJobRowError naming the first bad column. */
export function rowToJob(raw: SqlRow): Job {
  const jobId = typeof raw['id'] === 'string' ? raw['id'] : null;
  const parsed = rowSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CorruptJobRowError(jobId, String(issue?.path[0] ?? '?'), issue?.message ?? 'invalid');
  }
  const row = parsed.data;
  const column = <T>(name: JobColumn, value: string, schema: z.ZodType<T>): T => {
    let data: unknown;
    try {
      data = JSON.parse(value);
    } catch {
      // JSON.parse's message quotes the text, which may be a reply token: say only this.
      throw new CorruptJobRowError(jobId, name, 'not valid JSON');
    }
    const result = schema.safeParse(data);
    if (!result.success) {
      const issue = result.error.issues[0];
      throw new CorruptJobRowError(jobId, name, `${issue?.path.join('.') || '(value)'}: ${issue?.message ?? 'invalid'}`);
    }
    return result.data;
  };
  const maybe = <T>(name: JobColumn, value: string | null, schema: z.ZodType<T>): T | null =>
    value === null ? null : column(name, value, schema);

  const inputs = maybe('inputs', row.inputs, inputsSchema);
  const spec: JobSpec = { template: row.template, options: column('options', row.options, optionValues) };
  if (inputs !== null) spec.inputs = inputs;
  return {
    id: row.id,
    userId: row.user_id,
    userName: row.user_name,
    guildId: row.guild_id,
    channelId: row.channel_id,
    origin: column('origin', row.origin, originSchema),
    spec,
    resolved: maybe('resolved', row.resolved, optionValues),
    status: row.status,
    server: row.server,
    promptId: row.prompt_id,
    images: column('images', row.images, imagesSchema),
    texts: maybe('texts', row.texts, textsSchema) ?? [],
    failure: maybe('failure', row.failure, failureSchema),
    reply: maybe('reply', row.reply, replySchema),
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    deliveredAt: row.delivered_at,
  };
}
