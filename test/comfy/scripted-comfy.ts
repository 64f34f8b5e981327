import { once } from 'node:events';
import { WebSocketServer, type WebSocket } from 'ws';
import { json, startHttp, type RecordedRequest } from './helpers.ts';

/**
 * A ComfyUI whose every frame the test writes by hand, for routing cases the
 * behavioural stand-in cannot be made to produce on demand (a legacy preview with
 * no prompt id while one of two runs executes, say). HTTP answers come from
 * `routes`, keyed by "METHOD /path"; unknown routes answer 404.
 */
export interface ScriptedComfy {
  url: string;
  requests: RecordedRequest[];
  routes: Map<string, (request: RecordedRequest) => { status: number; body: unknown }>;
  /** Resolves with the next socket that connects (or the current one). */
  socket(): Promise<WebSocket>;
  send(type: string, data: Record<string, unknown>): Promise<void>;
  sendBinary(frame: Buffer): Promise<void>;
  /** The prompt bodies POSTed so far. */
  prompts(): Array<{ prompt_id: string; client_id: string; prompt: unknown; extra_data?: Record<string, unknown> }>;
  close(): Promise<void>;
}

export async function startScriptedComfy(options: { autoPong?: boolean } = {}): Promise<ScriptedComfy> {
  const routes = new Map<string, (request: RecordedRequest) => { status: number; body: unknown }>();
  let number = 0;
  routes.set('POST /prompt', (request) => {
    const body = JSON.parse(request.body.toString()) as { prompt_id: string };
    number += 1;
    return { status: 200, body: { prompt_id: body.prompt_id, number, node_errors: {} } };
  });
  routes.set('GET /queue', () => ({ status: 200, body: { queue_running: [], queue_pending: [] } }));
  const http = await startHttp((request, response) => {
    const path = request.url.split('?')[0] ?? '';
    const key = `${request.method} ${path.startsWith('/history/') ? '/history/*' : path}`;
    const route = routes.get(key);
    if (route === undefined) {
      response.writeHead(404).end();
      return;
    }
    const answer = route(request);
    json(response, answer.status, answer.body);
  });
  const wss = new WebSocketServer({ noServer: true, autoPong: options.autoPong ?? true });
  let current: WebSocket | null = null;
  http.server.on('upgrade', (request, socket, head) => {
    wss.handleUpgrade(request, socket, head, (ws) => {
      current = ws;
      ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'x' } }));
      wss.emit('connection', ws, request);
    });
  });
  const socket = async (): Promise<WebSocket> => {
    if (current !== null && current.readyState === current.OPEN) return current;
    const [ws] = (await once(wss, 'connection')) as [WebSocket];
    return ws;
  };
  return {
    url: http.url,
    requests: http.requests,
    routes,
    socket,
    async send(type, data) {
      (await socket()).send(JSON.stringify({ type, data }));
    },
    async sendBinary(frame) {
      (await socket()).send(frame, { binary: true });
    },
    prompts: () =>
      http.requests.filter((r) => r.method === 'POST' && r.url === '/prompt').map((r) => JSON.parse(r.body.toString()) as ReturnType<ScriptedComfy['prompts']>[number]),
    async close() {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await http.close();
    },
  };
}
