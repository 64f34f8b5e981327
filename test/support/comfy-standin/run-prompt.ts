import { createHash, randomUUID } from 'node:crypto';
import type { NodeOutput } from '../../../src/comfy/messages.ts';
import { runNode } from './node-behaviour.ts';
import { Interrupted, NodeFailure } from './run-errors.ts';
import type { ComfyProcess } from './process.ts';
import { PyFloat } from './py-json.ts';
import { MAXIMUM_HISTORY_SIZE, type QueueItem } from './queue.ts';
import { ExecutionList, signatures } from './schedule.ts';
import type { Graph } from './validate.ts';

/**
 * One prompt, message for message as ComfyUI 0.3.64 sends it (1_basic.jsonl):
 * execution_start, execution_cached, then per node progress_state + executing,
 * the node's own traffic, executed for UI output, progress_state finished; then
 * execution_success (or _error / _interrupted) and the history entry. The caller
 * broadcasts the status and sends the final `executing {node: null}`.
 */

export type RunStatus = 'success' | 'error' | 'interrupted';

interface ProgressEntry {
  value: number | PyFloat;
  max: number | PyFloat;
  state: 'running' | 'finished';
  /** Newer servers: what a running node spends its time on (`ProgressRegistry.set_activity`). */
  activity?: string;
}

/** Mutable state of the prompt being run, shared with the node behaviours. */
export class PromptRun {
  readonly proc: ComfyProcess;
  readonly item: QueueItem;
  readonly graph: Graph;
  readonly clientId: string | null;
  readonly progress = new Map<string, ProgressEntry>();
  readonly executed: string[] = [];
  readonly outputs: Record<string, NodeOutput> = {};
  readonly meta: Record<string, unknown> = {};
  readonly messages: Array<[string, unknown]> = [];
  /** When execution began (epoch ms): BenchKnobs.promptDurationMs paces sampler steps from here. */
  readonly startedAt = Date.now();

  constructor(proc: ComfyProcess, item: QueueItem) {
    this.proc = proc;
    this.item = item;
    this.graph = item.prompt;
    const clientId = item.extraData['client_id'];
    this.clientId = clientId === undefined || clientId === null ? null : typeof clientId === 'string' ? clientId : JSON.stringify(clientId);
  }

  get promptId(): string {
    return this.item.promptId;
  }

  /** `add_message`: kept for /history; sent to the client, or to all when `broadcast`. */
  addMessage(type: string, data: Record<string, unknown>, broadcast: boolean): void {
    const stamped = { ...data, timestamp: Date.now() };
    this.messages.push([type, stamped]);
    if (this.clientId !== null || broadcast) this.proc.send(type, stamped, this.clientId);
  }

  sendProgressState(): void {
    const nodes: Record<string, unknown> = {};
    for (const [id, entry] of this.progress) {
      nodes[id] = {
        value: entry.value,
        max: entry.max,
        state: entry.state,
        node_id: id,
        prompt_id: this.promptId,
        display_node_id: id,
        parent_node_id: null,
        real_node_id: id,
        ...(entry.activity === undefined ? {} : { activity: entry.activity }),
      };
    }
    this.proc.send('progress_state', { prompt_id: this.promptId, nodes }, this.clientId);
  }

  startProgress(id: string): void {
    this.progress.set(id, { value: new PyFloat(0), max: new PyFloat(1), state: 'running' });
    this.sendProgressState();
  }

  updateProgress(id: string, value: number, max: number): void {
    const activity = this.progress.get(id)?.activity;
    this.progress.set(id, { value, max, state: 'running', ...(activity === undefined ? {} : { activity }) });
    this.sendProgressState();
  }

  /** `set_activity`: sends progress_state only when the activity changes; null clears it. */
  setActivity(id: string, activity: string | null): void {
    const entry = this.progress.get(id) ?? { value: 0, max: 1, state: 'running' as const };
    if ((entry.activity ?? null) === activity) return;
    const { activity: _previous, ...rest } = entry;
    this.progress.set(id, activity === null ? rest : { ...rest, activity });
    this.sendProgressState();
  }

  /** A node never started (a cached output) is created with the ints 0/1, hence `1`, not `1.0`. */
  finishProgress(id: string): void {
    const entry = this.progress.get(id) ?? { value: 0, max: 1, state: 'running' };
    this.progress.set(id, { value: entry.max, max: entry.max, state: 'finished' });
    this.sendProgressState();
  }

  recordOutput(id: string, raw: NodeOutput): void {
    const dialect = this.proc.host.dialect;
    const ui = dialect.assets ? withAssetIds(raw, dialect.assetIds) : raw;
    this.outputs[id] = ui;
    this.meta[id] = { node_id: id, display_node: id, parent_node: null, real_node_id: id };
    if (this.clientId !== null) {
      this.proc.send('executed', { node: id, display_node: id, output: ui, prompt_id: this.promptId }, this.clientId);
    }
  }
}

/**
 * comfy_execution/asset_enrichment.py: with assets on, every output file is
 * registered and its entry gains the asset `id` (and `preview_id`, the image itself);
 * the same file keeps its asset on a cached replay.
 */
function withAssetIds(ui: NodeOutput, ids: Map<string, string>): NodeOutput {
  const out: NodeOutput = { ...ui };
  for (const [key, list] of Object.entries(ui)) {
    if (!Array.isArray(list)) continue;
    out[key] = list.map((entry: unknown) => {
      if (typeof entry !== 'object' || entry === null || !('filename' in entry) || !('type' in entry)) return entry;
      const file = entry as { filename: string; subfolder?: string; type: string };
      const at = `${file.type}/${file.subfolder ?? ''}/${file.filename}`;
      const id = ids.get(at) ?? randomUUID();
      ids.set(at, id);
      return { ...file, id, preview_id: id };
    });
  }
  return out;
}

export async function runPrompt(proc: ComfyProcess, item: QueueItem): Promise<RunStatus> {
  const run = new PromptRun(proc, item);
  const { catalogue, files } = proc.host;
  proc.interrupted = false;
  proc.clientId = run.clientId;
  proc.lastNodeId = null;
  run.addMessage('execution_start', { prompt_id: run.promptId }, false);

  const sigs = signatures(run.graph, (id) => {
    const node = run.graph[id];
    if (node?.class_type !== 'LoadImage' || typeof node.inputs['image'] !== 'string') return '';
    const data = files.read(node.inputs['image']);
    return data === undefined ? 'missing' : createHash('sha256').update(data).digest('hex');
  });
  proc.cache.keepOnly(sigs.values());
  const cachedIds = Object.keys(run.graph).filter((id) => proc.cache.get(sigs.get(id)) !== undefined);
  run.addMessage('execution_cached', { nodes: cachedIds, prompt_id: run.promptId }, false);

  const cached = new Set(cachedIds);
  const isOutput = (id: string): boolean => catalogue.isOutputNode(run.graph[id]?.class_type ?? '');
  const list = new ExecutionList(run.graph, (id) => cached.has(id), isOutput);
  for (const output of item.outputs) list.addNode(output);

  let status: RunStatus = 'success';
  try {
    while (!list.isEmpty()) {
      const id = list.next();
      if (id === null) throw new NodeFailure(Object.keys(run.graph)[0] ?? '', 'graph.DependencyCycleError', 'Dependency cycle detected');
      const hit = cached.has(id) ? proc.cache.get(sigs.get(id)) : undefined;
      if (hit !== undefined) {
        if (hit.ui !== null) run.recordOutput(id, hit.ui);
        else if (run.clientId !== null) proc.send('executed', { node: id, display_node: id, output: null, prompt_id: run.promptId }, run.clientId);
        run.finishProgress(id);
      } else {
        await proc.until(() => !proc.host.controls.paused || proc.interrupted);
        if (item.failure !== undefined) throw new NodeFailure(id, item.failure.exceptionType, item.failure.exceptionMessage);
        const ui = await runNode(run, id);
        proc.cache.set(sigs.get(id), { ui });
      }
      run.executed.push(id);
      list.complete(id);
    }
    run.addMessage('execution_success', { prompt_id: run.promptId }, false);
  } catch (error) {
    if (error instanceof Interrupted) {
      status = 'interrupted';
      const node = error.nodeId;
      run.addMessage(
        'execution_interrupted',
        { prompt_id: run.promptId, node_id: node, node_type: run.graph[node]?.class_type ?? null, executed: [...run.executed] },
        true,
      );
    } else if (error instanceof NodeFailure) {
      status = 'error';
      run.addMessage('execution_error', errorReport(run, error), false);
    } else {
      throw error;
    }
  }
  proc.lastNodeId = null;
  writeHistory(run, status);
  return status;
}

function errorReport(run: PromptRun, failure: NodeFailure): Record<string, unknown> {
  const node = run.graph[failure.nodeId];
  const currentInputs: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(node?.inputs ?? {})) {
    currentInputs[name] = Array.isArray(value) ? [`tensor(<output ${String(value[1])} of node ${String(value[0])}>)`] : [value];
  }
  const frame = (file: string, line: number, fn: string, source: string): string =>
    `  File "<comfyui>/${file}", line ${line}, in ${fn}\n    ${source}\n`;
  return {
    prompt_id: run.promptId,
    node_id: failure.nodeId,
    node_type: node?.class_type ?? null,
    executed: [...run.executed],
    exception_message: `${failure.exceptionMessage}\n`,
    exception_type: failure.exceptionType,
    traceback: [
      frame('execution.py', 496, 'execute', 'output_data, output_ui, has_subgraph, has_pending_tasks = await get_output_data(...)'),
      frame('execution.py', 315, 'get_output_data', 'return_values = await _async_map_node_over_list(...)'),
      frame('execution.py', 289, '_async_map_node_over_list', 'await process_inputs(input_dict, i)'),
      frame('execution.py', 277, 'process_inputs', 'result = f(**inputs)'),
      node?.class_type === 'RaiseError'
        ? frame('custom_nodes/slow_progress.py', 70, 'run', 'raise RuntimeError(message)')
        : frame('folder_paths.py', 297, 'get_full_path_or_raise', 'raise FileNotFoundError(...)'),
    ],
    current_inputs: currentInputs,
    current_outputs: Object.keys(run.graph),
  };
}

function writeHistory(run: PromptRun, status: RunStatus): void {
  const history = run.proc.host.history();
  if (run.proc.dead) return;
  if (history.size > MAXIMUM_HISTORY_SIZE) {
    const oldest = history.keys().next();
    if (oldest.done !== true) history.delete(oldest.value);
  }
  const { item } = run;
  history.set(item.promptId, {
    prompt: [item.number, item.promptId, item.prompt, item.extraData, item.outputs],
    outputs: run.outputs,
    status: { status_str: status === 'success' ? 'success' : 'error', completed: status === 'success', messages: run.messages },
    meta: run.meta,
  });
}
