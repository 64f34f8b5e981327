import type { Logger } from '../log.ts';
import type { ComfyHttp } from './http.ts';

/**
 * Takes one of our prompts off a ComfyUI server: a pending prompt is deleted from
 * the queue, a running one interrupted by its prompt id. A global interrupt is never
 * sent: older servers ignore the prompt id, so interrupting is only done when the
 * prompt is known to be the one running, never on a guess. Failures are logged and
 * swallowed: the caller drops the run locally either way.
 */
export async function cancelOnServer(
  http: ComfyHttp,
  promptId: string,
  believedRunning: boolean,
  log: Logger,
): Promise<'queued' | 'running'> {
  let phase: 'queued' | 'running' = believedRunning ? 'running' : 'queued';
  try {
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
