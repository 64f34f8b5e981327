import { parseHistory, type HistoryEntry } from './history.ts';

/**
 * `GET /api/jobs/{id}` of newer ComfyUI servers (comfy_execution/jobs.py `get_job`),
 * read defensively: one answer says whether the prompt is pending, running or finished,
 * and a finished one carries its outputs and the same status record /history holds.
 */

export type JobState = 'pending' | 'in_progress' | 'completed' | 'failed' | 'cancelled';

export type JobLookup =
  /** The server knows the prompt; `entry` is its history record once it finished. */
  | { kind: 'known'; state: JobState; entry: HistoryEntry | null }
  /** The jobs route answered that no such job exists (queue and history both lack it). */
  | { kind: 'unknown' };

const STATES: readonly JobState[] = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'];

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The job answer, or null when it is not one (wrong id, unknown status). */
export function parseJob(body: unknown, promptId: string): JobLookup | null {
  if (!isObject(body) || body['id'] !== promptId) return null;
  const state = STATES.find((candidate) => candidate === body['status']);
  if (state === undefined) return null;
  if (state === 'pending' || state === 'in_progress') return { kind: 'known', state, entry: null };
  // The same {outputs, status} a /history entry has, under the names the jobs API gives them.
  const entry = parseHistory({ [promptId]: { outputs: body['outputs'], status: body['execution_status'] } }, promptId);
  return { kind: 'known', state, entry };
}

/** A 404 from the jobs route itself (`{"error": "Job not found"}`), as opposed to a server without the route. */
export function isJobNotFound(status: number, bodyText: string): boolean {
  if (status !== 404) return false;
  try {
    const json: unknown = JSON.parse(bodyText);
    return isObject(json) && typeof json['error'] === 'string';
  } catch {
    return false;
  }
}
