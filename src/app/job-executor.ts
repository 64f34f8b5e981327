import { ComfyPromptLostError, ComfyUnavailableError } from '../comfy/errors.ts';
import type { Job } from '../jobs/job.ts';
import { resultFiles, type RunEvent, type RunResult } from '../jobs/run-events.ts';
import type { ExecuteContext, ExecuteJob, JobOutputs } from '../jobs/scheduler.ts';
import { findOption, renderTemplate, SAMPLER_CLASSES, type ApiGraph, type Template, type TemplateSet } from '../workflows/index.ts';
import { prepareOutpaint } from './outpaint-input.ts';
import type { InputImages } from './input-images.ts';
import type { ServerPool } from './server-pool.ts';
import { NoServerError } from '../jobs/scheduler-errors.ts';

/** A failure after which the job may run on another server. */
export function isServerLoss(error: unknown): boolean {
  return error instanceof ComfyUnavailableError || error instanceof ComfyPromptLostError;
}

/**
 * The scheduler's ExecuteJob: uploads the job's input images to the chosen server,
 * renders its template (drawing random seeds, recorded through onSubmitted), runs it
 * and returns its outputs (files of every kind, texts). Delivery (fetching bytes, Discord) happens elsewhere.
 */
export function createJobExecutor(deps: { pool: ServerPool; templates: TemplateSet; inputs: InputImages }): ExecuteJob {
  return async (job: Job, worker: string, context) => {
    const server = deps.pool.get(worker);
    if (!server) throw new NoServerError(`server '${worker}' is not configured`);
    const template = deps.templates.require(job.spec.template);
    if (job.promptId !== null && job.server === worker && job.resolved !== null) {
      // Submitted before a restart: follow the same prompt rather than running it twice.
      const resolved = job.resolved;
      // Already in the server's queue: nothing to post, so the next job need not wait.
      context.onQueued();
      const { graph } = renderTemplate(template, templateValues(template, resolved));
      const seen = new PreviewCount(graph);
      const handle = server.resume(job.promptId, graph, { signal: context.signal, onEvent: forward(context, resolved, () => handle.promptId, seen) });
      const result = await handle.done;
      deps.pool.notePreviews(worker, seen.samplerSteps, seen.previews);
      return outputsOf(result);
    }
    // Re-running a job that already drew its seed (restart, another server) keeps it.
    let values: Record<string, unknown> = { ...job.spec.options, ...templateValues(template, job.resolved ?? {}) };
    let frame: Record<string, number> = {};
    for (const [option, ref] of Object.entries(job.spec.inputs ?? {})) {
      // Only an outpaint needs the pixels here; any other input goes to the server as it is kept.
      const outpaint = option === 'image' && template.role === 'outpaint' ? await prepareOutpaint(template, values, await deps.inputs.read(ref)) : null;
      let bytes: Buffer | Blob;
      const image = job.spec.inputs?.['image'];
      if (outpaint === null) bytes = option === 'mask' && image !== undefined ? await deps.inputs.readMaskForUpload(image, ref) : await deps.inputs.readForUpload(ref);
      else {
        ({ image: bytes, values } = outpaint);
        // Recorded with the job so its message shows the padded size (the Size field).
        frame = { width: outpaint.plan.frame.width, height: outpaint.plan.frame.height };
      }
      const uploaded = await server.uploadImage(bytes, `comfycord-${job.id}-${option}.png`, { overwrite: true });
      values[option] = uploaded.subfolder ? `${uploaded.subfolder}/${uploaded.name}` : uploaded.name;
    }
    // A seed drawn here must fit this server's range for the input (a custom sampler may narrow it).
    const objectInfo = job.resolved === null ? await deps.pool.objectInfo(worker) : null;
    const rendered = renderTemplate(template, values, { objectInfo });
    const { graph } = rendered;
    const resolved = { ...rendered.resolved, ...frame };
    await context.turn();
    context.signal.throwIfAborted();
    deps.pool.noteCheckpoint(worker, resolved['checkpoint']);
    const seen = new PreviewCount(graph);
    const handle = server.run(graph, { signal: context.signal, onEvent: forward(context, resolved, () => handle.promptId, seen) });
    // Recorded before the POST is answered: a bot killed in between resumes this id
    // (and resubmits once if the server never got it) instead of running it twice.
    context.onSubmitted(handle.promptId, resolved);
    await handle.accepted;
    context.onQueued();
    const result = await handle.done;
    deps.pool.notePreviews(worker, seen.samplerSteps, seen.previews);
    return outputsOf(result);
  };
}

const SAMPLERS = new Set<string>(SAMPLER_CLASSES);

/** Of recorded values, those the template takes (an outpaint job also records its frame's width and height). */
function templateValues(template: Template, values: Record<string, string | number | boolean>): Record<string, string | number | boolean> {
  return Object.fromEntries(Object.entries(values).filter(([name]) => findOption(template, name) !== undefined));
}

/**
 * A run's sampler steps and preview frames: the evidence for "previews are off". Only
 * samplers count, since other nodes (a tiled upscale) report progress without previews.
 */
class PreviewCount {
  samplerSteps = 0;
  previews = 0;
  readonly #graph: ApiGraph;

  constructor(graph: ApiGraph) {
    this.#graph = graph;
  }

  see(event: RunEvent): void {
    if (event.type === 'preview') this.previews += 1;
    else if (event.type === 'progress' && event.node !== null && SAMPLERS.has(this.#graph[event.node]?.class_type ?? '')) this.samplerSteps += 1;
  }
}

/** Passes run events on; a resubmission (new prompt id) is recorded so a restart follows the new one. */
function forward(context: ExecuteContext, resolved: Record<string, string | number | boolean>, promptId: () => string, seen: PreviewCount): (event: RunEvent) => void {
  return (event) => {
    seen.see(event);
    if (event.type === 'resubmitted') context.onSubmitted(promptId(), resolved);
    context.onEvent(event);
  };
}

function outputsOf(result: RunResult): JobOutputs {
  return { images: resultFiles(result).map((source) => ({ source, deliveredUrl: null })), texts: result.texts };
}
