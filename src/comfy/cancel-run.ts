import type { Logger } from '../log.ts';
import type { ComfyHttp } from './http.ts';
import type { ServerFeatures } from './server-features.ts';

/**
 * Takes one of our prompts off a ComfyUI server. Where the server has the jobs API,
 * POST /api/jobs/{id}/cancel does it in one atomic step, pending or running. Otherwise
 * a pending prompt is deleted from the queue, a running one interrupted by its prompt
 * id. A global interrupt is never sent: older servers ignore the prompt id, so
 * interrupting is only done when the prompt is known to be the one running, never on
 * a guess. Failures are logged and swallowed: the caller drops the run locally either way.
 */
export async function cancelOnServer(
  http: ComfyHttp,
  features: ServerFeatures,
  promptId: string,
  believedRunning: boolean,
  log: Logger,
): Promise<'queued' | 'running'> {
  let phase: 'queued' | 'running' = believedRunning ? 'running' : 'queued';
  try {
    if (await features.jobsApi()) {
      // Which of the two it was, for the record: the cancel itself needs no guess.
      if (phase === 'queued') {
        const job = await http.job(promptId);
        if (job.kind === 'known' && job.state === 'in_progress') phase = 'running';
      }
      const cancelled = await http.cancelJob(promptId);
      log.info({ promptId, phase, cancelled }, 'comfy prompt cancelled through the jobs API');
      return phase;
    }
    if (phase === 'queued') {
      await http.deleteQueued([promptId]);
      // It may have started between our last message and the delete.
      const queue = await http.queue();
      if (queue.running.some((entry) => entry.promptId === promptId)) phase = 'running';
    }
    if (phase === 'running') await http.interrupt(promptId);
  } catch (error) {
    log.warn({ promptId, err: error }, 'comfy cancel request failed; dropping the run locally');
  }
  log.info({ promptId, phase }, 'comfy prompt cancelled');
  return phase;
}
