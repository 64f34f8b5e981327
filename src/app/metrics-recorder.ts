import type { Job } from '../jobs/job.ts';

/**
 * What the bot's parts tell the metrics as things happen. BotMetrics (prom-client) keeps
 * them when /metrics is served; otherwise NO_METRICS drops them, so a bot without an
 * HTTP port never loads prom-client (issue 12.2).
 */
export interface MetricsRecorder {
  jobFinished(job: Pick<Job, 'status' | 'createdAt' | 'finishedAt'>): void;
  delivered(job: Pick<Job, 'finishedAt' | 'deliveredAt'>): void;
  discordResponse(status: number): void;
  gatewayReconnecting(): void;
}

export const NO_METRICS: MetricsRecorder = {
  jobFinished: () => undefined,
  delivered: () => undefined,
  discordResponse: () => undefined,
  gatewayReconnecting: () => undefined,
};
