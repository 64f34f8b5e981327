import type { ServerResponse } from 'node:http';
import { parseJson, sendJson } from './http-util.ts';
import type { QueueItem } from './queue.ts';
import type { RouteHost, RouteRequest } from './routes.ts';
import { isPlainObject } from './validate.ts';

/**
 * The jobs API of newer servers (server.py `get_jobs`, `get_job_by_id`,
 * `cancel_job_by_id`, `cancel_jobs_batch`; comfy_execution/jobs.py): one view over
 * queue and history. Registered only under `/api/jobs…`, never at `/jobs…`.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const STATUSES = ['pending', 'in_progress', 'completed', 'failed', 'cancelled'];

type Json = Record<string, unknown>;

/** The jobs path (`/api/jobs…`) of a request, or null when it is not one. */
export function jobsPath(req: RouteRequest): string | null {
  for (const path of [req.raw, req.route]) if (path === '/api/jobs' || path.startsWith('/api/jobs/')) return path;
  return null;
}

export function handleJobs(host: RouteHost, req: RouteRequest, path: string, res: ServerResponse): boolean {
  const rest = path.slice('/api/jobs'.length);
  if (rest === '' && req.method === 'GET') {
    listJobs(host, req, res);
    return true;
  }
  if (rest === '/cancel' && req.method === 'POST') {
    cancelBatch(host, req, res);
    return true;
  }
  const cancel = /^\/([^/]+)\/cancel$/.exec(rest);
  if (cancel?.[1] !== undefined && req.method === 'POST') {
    sendJson(res, 200, { cancelled: cancelJob(host, decodeURIComponent(cancel[1])) });
    return true;
  }
  const one = /^\/([^/]+)$/.exec(rest);
  if (one?.[1] !== undefined && req.method === 'GET') {
    const job = findJob(host, decodeURIComponent(one[1]));
    if (job === null) sendJson(res, 404, { error: 'Job not found' });
    else sendJson(res, 200, job);
    return true;
  }
  return false;
}

function queueJob(item: QueueItem, status: 'pending' | 'in_progress', withWorkflow: boolean): Json {
  const job: Json = { id: item.promptId, status, priority: item.number, outputs_count: 0, previewable_outputs_count: 0 };
  const created = item.extraData['create_time'];
  if (typeof created === 'number') job['create_time'] = created;
  if (withWorkflow) job['workflow'] = { prompt: item.prompt, extra_data: item.extraData };
  return job;
}

function historyJob(id: string, entry: Json, withOutputs: boolean): Json {
  const prompt = Array.isArray(entry['prompt']) ? entry['prompt'] : [];
  const extraData = isPlainObject(prompt[3]) ? prompt[3] : {};
  const status = isPlainObject(entry['status']) ? entry['status'] : {};
  const messages = Array.isArray(status['messages']) ? (status['messages'] as unknown[]) : [];
  let started: unknown;
  let ended: unknown;
  let error: unknown;
  let interrupted = false;
  for (const message of messages) {
    if (!Array.isArray(message) || !isPlainObject(message[1])) continue;
    const [event, data] = message as [unknown, Json];
    if (event === 'execution_start') started = data['timestamp'];
    if (event === 'execution_success' || event === 'execution_error' || event === 'execution_interrupted') ended = data['timestamp'];
    if (event === 'execution_error') error = data;
    if (event === 'execution_interrupted') interrupted = true;
  }
  const outputs = isPlainObject(entry['outputs']) ? entry['outputs'] : {};
  const count = Object.values(outputs).reduce<number>(
    (sum, output) => sum + (isPlainObject(output) ? Object.entries(output).filter(([key, list]) => key !== 'animated' && Array.isArray(list)).reduce((n, [, list]) => n + (list as unknown[]).length, 0) : 0),
    0,
  );
  const statusName = status['status_str'] === 'error' ? (interrupted ? 'cancelled' : 'failed') : 'completed';
  const job: Json = { id, status: statusName, priority: prompt[0], outputs_count: count, previewable_outputs_count: count };
  if (typeof extraData['create_time'] === 'number') job['create_time'] = extraData['create_time'];
  if (started !== undefined) job['execution_start_time'] = started;
  if (ended !== undefined) job['execution_end_time'] = ended;
  if (error !== undefined) job['execution_error'] = error;
  if (withOutputs) {
    job['outputs'] = outputs;
    job['execution_status'] = status;
    job['workflow'] = { prompt: prompt[2], extra_data: extraData };
  }
  return job;
}

/** `get_job`: history first, then the running prompt, then the pending ones. */
function findJob(host: RouteHost, id: string): Json | null {
  const entry = host.history.get(id);
  if (isPlainObject(entry)) return historyJob(id, entry, true);
  const queue = host.process().queue;
  if (queue.running?.promptId === id) return queueJob(queue.running, 'in_progress', true);
  const pending = queue.pendingItems().find((item) => item.promptId === id);
  return pending === undefined ? null : queueJob(pending, 'pending', true);
}

/** `_cancel_job_by_id`: a running prompt is interrupted only if still running, a pending one dequeued; others are no-ops. */
function cancelJob(host: RouteHost, id: string): boolean {
  const proc = host.process();
  if (proc.queue.running?.promptId === id) return proc.interruptIfRunning(id);
  if (proc.queue.delete(id)) return true;
  return proc.interruptIfRunning(id);
}

function cancelBatch(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const parsed = parseJson(req.body);
  if (parsed === undefined) return sendJson(res, 400, { error: 'Request body must be valid JSON' });
  const ids = isPlainObject(parsed.value) ? parsed.value['job_ids'] : undefined;
  if (!Array.isArray(ids)) return sendJson(res, 400, { error: 'job_ids must be a list' });
  const invalid = ids.filter((id) => typeof id !== 'string' || !UUID.test(id)).map((id) => (typeof id === 'string' ? id : JSON.stringify(id)));
  if (invalid.length > 0) return sendJson(res, 400, { error: 'job_ids contains invalid id(s)', invalid_ids: invalid });
  let cancelled = false;
  for (const id of ids as string[]) if (cancelJob(host, id)) cancelled = true;
  sendJson(res, 200, { cancelled });
}

function listJobs(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const statusParam = req.query.get('status');
  const wanted = statusParam === null ? STATUSES : statusParam.split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
  const bad = wanted.filter((s) => !STATUSES.includes(s));
  if (bad.length > 0) return sendJson(res, 400, { error: `Invalid status value(s): ${bad.join(', ')}. Valid values: ${STATUSES.join(', ')}` });
  let limit: number | null = null;
  const limitText = req.query.get('limit');
  if (limitText !== null) {
    if (!/^\s*[+-]?\d+\s*$/.test(limitText)) return sendJson(res, 400, { error: 'limit must be an integer' });
    limit = Number(limitText);
    if (limit <= 0) return sendJson(res, 400, { error: 'limit must be a positive integer' });
  }
  const offsetText = req.query.get('offset');
  if (offsetText !== null && !/^\s*[+-]?\d+\s*$/.test(offsetText)) return sendJson(res, 400, { error: 'offset must be an integer' });
  const offset = Math.max(0, Number(offsetText ?? 0));
  const queue = host.process().queue;
  const jobs: Json[] = [];
  if (wanted.includes('in_progress') && queue.running !== null) jobs.push(queueJob(queue.running, 'in_progress', false));
  if (wanted.includes('pending')) for (const item of queue.pendingItems()) jobs.push(queueJob(item, 'pending', false));
  for (const [id, entry] of host.history) {
    if (!isPlainObject(entry)) continue;
    const job = historyJob(id, entry, false);
    if (wanted.includes(String(job['status']))) jobs.push(job);
  }
  const page = jobs.slice(offset, limit === null ? undefined : offset + limit);
  sendJson(res, 200, { jobs: page, pagination: { offset, limit, total: jobs.length, has_more: offset + page.length < jobs.length } });
}
