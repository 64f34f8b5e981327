import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Catalogue } from './catalogue.ts';
import type { FileStore } from './files.ts';
import { handleUpload, handleView } from './file-routes.ts';
import { headerEchoException } from './header-echo.ts';
import { parseJson, sendEmpty, sendJson, sendServerError, sendText } from './http-util.ts';
import type { ComfyProcess } from './process.ts';
import { toPyBool } from './py-values.ts';
import type { Dialect } from './dialect.ts';
import { handleJobs, jobsPath } from './jobs-routes.ts';
import { applyReplacements } from './node-replace.ts';
import { isPlainObject, validatePrompt, type Graph } from './validate.ts';
import type { ViewFault } from './view-faults.ts';

/**
 * ComfyUI's HTTP routes (server.py of 0.3.64), answered with the same bodies and
 * status codes as 4_validation_errors / 6_interrupt_and_delete / 8_info_endpoints;
 * a newer server adds /api/jobs (jobs-routes.ts) and /node_replacements.
 */

export interface RouteRequest {
  method: string;
  /** The route with any path prefix and `/api` removed, e.g. `/history/abc`. */
  route: string;
  /** The path below any prefix with `/api` kept, e.g. `/api/jobs/abc`. */
  raw: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

export interface RouteHost {
  readonly catalogue: Catalogue;
  readonly dialect: Dialect;
  readonly files: FileStore;
  readonly history: Map<string, unknown>;
  process(): ComfyProcess;
  /** A response queued by `failNextPost`, consumed by the next POST /prompt. */
  takeFailNextPost(): { status: number; body: string } | null;
  emitPrompt(promptId: string, body: unknown): void;
  /** A fault queued by `faultViews`, consumed by the next GET /view. */
  takeViewFault(): ViewFault | null;
  /** True (once per `failRunsEchoingHeaders`) when this prompt is to fail echoing its request headers. */
  takeEchoingRun(): boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SENSITIVE_EXTRA_DATA = ['auth_token_comfy_org', 'api_key_comfy_org'];

const SYSTEM_STATS = {
  system: {
    os: 'posix',
    ram_total: 25276063744,
    ram_free: 24631910400,
    comfyui_version: '0.3.64',
    required_frontend_version: '1.27.10',
    installed_templates_version: null,
    required_templates_version: '0.1.95',
    python_version: '3.11.2 (main, Apr 28 2025, 14:11:48) [GCC 12.2.0]',
    pytorch_version: '1.13.0a0',
    embedded_python: false,
    argv: ['main.py', '--cpu', '--listen', '127.0.0.1', '--port', '8188', '--front-end-root', '<webroot>'],
  },
  devices: [
    { name: 'cpu', type: 'cpu', index: null, vram_total: 25276063744, vram_free: 24631910400, torch_vram_total: 25276063744, torch_vram_free: 24631910400 },
  ],
};

/** What a newer server changed in /system_stats: its version, and `os` now `sys.platform`. */
const NEWER_SYSTEM_STATS = {
  ...SYSTEM_STATS,
  system: { ...SYSTEM_STATS.system, os: 'linux', comfyui_version: '0.38.1' },
  comfy_package_versions: {},
  deploy_environment: 'local',
};

type Handler = (host: RouteHost, req: RouteRequest, res: ServerResponse) => void | Promise<void>;

const EXACT: Record<string, Partial<Record<string, Handler>>> = {
  '/prompt': {
    GET: (host, _req, res) => sendJson(res, 200, host.process().queueInfo()),
    POST: postPrompt,
  },
  '/queue': { GET: (host, _req, res) => sendJson(res, 200, host.process().queue.rows()), POST: postQueue },
  '/interrupt': { POST: postInterrupt },
  '/history': { GET: getHistory, POST: postHistory },
  '/object_info': { GET: (host, _req, res) => sendJson(res, 200, host.catalogue.all()) },
  '/system_stats': { GET: (host, _req, res) => sendJson(res, 200, host.dialect.newer ? NEWER_SYSTEM_STATS : SYSTEM_STATS) },
  '/features': { GET: (host, _req, res) => sendJson(res, 200, host.dialect.features()) },
  '/embeddings': { GET: (_host, _req, res) => sendJson(res, 200, []) },
  '/free': { POST: (_host, _req, res) => sendEmpty(res, 200) },
  '/view': { GET: (host, req, res) => handleView(host.files, req.query, res, host.takeViewFault()) },
  '/upload/image': { POST: (host, req, res) => handleUpload(host.files, req, res) },
};

export async function handleRoute(host: RouteHost, req: RouteRequest, res: ServerResponse): Promise<void> {
  if (host.dialect.newer) {
    const jobs = jobsPath(req);
    if (jobs !== null && handleJobs(host, req, jobs, res)) return;
    if (req.route === '/node_replacements' && req.method === 'GET') return sendJson(res, 200, host.dialect.replacements());
  }
  const history = /^\/history\/([^/]+)$/.exec(req.route);
  const objectInfo = /^\/object_info\/([^/]+)$/.exec(req.route);
  let handlers = EXACT[req.route];
  if (history?.[1] !== undefined) {
    const id = decodeURIComponent(history[1]);
    handlers = { GET: (h, _r, out) => sendJson(out, 200, h.history.has(id) ? { [id]: h.history.get(id) } : {}) };
  } else if (objectInfo?.[1] !== undefined) {
    const name = decodeURIComponent(objectInfo[1]);
    handlers = { GET: (h, _r, out) => sendJson(out, 200, h.catalogue.has(name) ? { [name]: h.catalogue.info(name) } : {}) };
  }
  if (handlers === undefined) return sendText(res, 404, '404: Not Found');
  const handler = handlers[req.method];
  if (handler === undefined) return sendText(res, 405, '405: Method Not Allowed');
  await handler(host, req, res);
}

function postPrompt(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const failure = host.takeFailNextPost();
  if (failure !== null) {
    const json = parseJson(Buffer.from(failure.body)) !== undefined;
    return sendText(res, failure.status, failure.body, json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8');
  }
  const parsed = parseJson(req.body);
  if (parsed === undefined) return sendServerError(res);
  const json = parsed.value;
  if (!isPlainObject(json) && !Array.isArray(json) && typeof json !== 'string') return sendServerError(res);
  const proc = host.process();
  const body = isPlainObject(json) ? json : {};
  let number: number;
  if ('number' in body) {
    number = Number(body['number']);
    if (Number.isNaN(number)) return sendServerError(res);
  } else {
    number = toPyBool(body['front']) ? -proc.number : proc.number;
    proc.number += 1;
  }
  if (!('prompt' in body)) {
    const error = { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} };
    return sendJson(res, 400, { error, node_errors: {} });
  }
  let promptId: string = randomUUID();
  if ('prompt_id' in body) {
    const given = body['prompt_id'];
    if (host.dialect.newer && (typeof given !== 'string' || !UUID.test(given))) {
      const details = 'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one';
      const error = { type: 'invalid_prompt_id', message: 'prompt_id must be a valid UUID', details, extra_info: {} };
      return sendJson(res, 400, { error, node_errors: {} });
    }
    if (typeof given !== 'string' || !UUID.test(given)) {
      const details = `prompt_id must be a canonical lowercase UUID, got ${JSON.stringify(given)}`;
      return sendJson(res, 400, { error: { type: 'invalid_prompt_id', message: 'Invalid prompt_id', details, extra_info: {} }, node_errors: {} });
    }
    promptId = given;
  }
  const graph: unknown = structuredClone(body['prompt']);
  if (host.dialect.newer) applyReplacements(graph, host.catalogue, host.dialect.replacements());
  const result = validatePrompt(graph, host.catalogue, host.files, body['partial_execution_targets'], host.dialect.newer);
  if (result.ok === 'crash') return sendServerError(res);
  const extra = 'extra_data' in body ? structuredClone(body['extra_data']) : {};
  if (!isPlainObject(extra)) return sendServerError(res);
  if ('client_id' in body) extra['client_id'] = body['client_id'];
  if (!result.ok) return sendJson(res, 400, { error: result.error, node_errors: result.nodeErrors });
  // ComfyUI drops these keys from the stored extra_data; the list is fixed, not user input.
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete
  for (const key of SENSITIVE_EXTRA_DATA) delete extra[key];
  if (host.dialect.newer) extra['create_time'] = Date.now();
  const echoing = host.takeEchoingRun() ? { exceptionType: 'RuntimeError', exceptionMessage: headerEchoException(req.headers) } : undefined;
  proc.enqueue({ number, promptId, prompt: graph as Graph, extraData: extra, outputs: result.outputs, ...(echoing ? { failure: echoing } : {}) });
  host.emitPrompt(promptId, json);
  sendJson(res, 200, { prompt_id: promptId, number, node_errors: result.nodeErrors });
}

function postQueue(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const parsed = parseJson(req.body);
  if (parsed === undefined || !isPlainObject(parsed.value)) return sendServerError(res);
  const queue = host.process().queue;
  if (parsed.value['clear'] === true) queue.wipe();
  const toDelete = parsed.value['delete'];
  if (Array.isArray(toDelete)) for (const id of toDelete) if (typeof id === 'string') queue.delete(id);
  sendEmpty(res, 200);
}

function postInterrupt(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const json = parseJson(req.body)?.value ?? {};
  if (!isPlainObject(json)) return sendServerError(res);
  const promptId = json['prompt_id'];
  host.process().interrupt(typeof promptId === 'string' && promptId !== '' ? promptId : null);
  sendEmpty(res, 200);
}

/** `get_history(max_items, offset)`: with max_items and no offset, the newest N. */
function getHistory(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const maxText = req.query.get('max_items');
  const offsetText = req.query.get('offset');
  const isInt = (text: string): boolean => /^\s*[+-]?\d+\s*$/.test(text);
  if ((maxText !== null && !isInt(maxText)) || (offsetText !== null && !isInt(offsetText))) return sendServerError(res);
  const maxItems = maxText === null ? null : Number(maxText);
  let offset = offsetText === null ? -1 : Number(offsetText);
  if (offset < 0 && maxItems !== null) offset = host.history.size - maxItems;
  const out: Record<string, unknown> = {};
  let index = 0;
  for (const [id, entry] of host.history) {
    if (index >= offset) {
      out[id] = entry;
      if (maxItems !== null && Object.keys(out).length >= maxItems) break;
    }
    index += 1;
  }
  sendJson(res, 200, out);
}

function postHistory(host: RouteHost, req: RouteRequest, res: ServerResponse): void {
  const parsed = parseJson(req.body);
  if (parsed === undefined || !isPlainObject(parsed.value)) return sendServerError(res);
  if (parsed.value['clear'] === true) host.history.clear();
  const toDelete = parsed.value['delete'];
  if (Array.isArray(toDelete)) for (const id of toDelete) if (typeof id === 'string') host.history.delete(id);
  sendEmpty(res, 200);
}
