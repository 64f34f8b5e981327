import { comfyVersion } from '../../app/ready-line.ts';
import { ComfyServer } from '../../comfy/server.ts';
import type { ServerEntry } from '../../comfy-servers-file.ts';
import type { ComfyConfig } from '../../config.ts';
import { isComfycordError } from '../../errors.ts';
import { PREVIEWS_OFF_NOTICE } from '../../app/preview-watch.ts';
import type { Logger } from '../../log.ts';
import { checkTemplateAgainstServer, type Template } from '../../workflows/index.ts';
import { fail, ok, skip, type CheckResult } from './check.ts';
import { probeGraph, probeTemplate, runPreviewProbe } from './preview-probe.ts';

function describe(error: unknown): string {
  if (isComfycordError(error)) return error.userMessage;
  return error instanceof Error ? error.message : String(error);
}

export interface ComfyCheckOptions {
  /** Run a tiny prompt to see whether previews come (costs the server a 2-step run). */
  probe: boolean;
  probeTimeoutMs: number;
  /** Per request and for the socket. */
  timeoutMs: number;
}

export interface ServerReport {
  title: string;
  checks: CheckResult[];
}

function serverFor(entry: ServerEntry, comfy: ComfyConfig, logger: Logger, timeoutMs: number): ComfyServer {
  return new ComfyServer({
    url: entry.url,
    ...(entry.auth ? { auth: entry.auth } : {}),
    headers: entry.headers,
    previewMethod: comfy.previewMethod,
    logger,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    // One attempt: doctor reports a server that is down instead of waiting for it.
    maxDelayMs: timeoutMs,
  });
}

/** Where ComfyUI looks for each kind of model file named in server-check's messages. */
const MODEL_FOLDERS: ReadonlyArray<readonly [noun: string, folder: string]> = [
  ['upscale model', 'upscale_models'],
  ['checkpoint', 'checkpoints'],
  ['LoRA', 'loras'],
  ['VAE', 'vae'],
  ['diffusion model', 'diffusion_models'],
  ['ControlNet model', 'controlnet'],
  ['text encoder', 'text_encoders'],
  ['style model', 'style_models'],
  ['CLIP vision model', 'clip_vision'],
];

/** What the fix for a template's problems on a server is, from the kind of problem. */
function templateFix(messages: readonly string[]): string {
  const fixes: string[] = [];
  if (messages.some((message) => message.includes('is not installed'))) fixes.push('install the node types (ComfyUI-Manager, or the custom node repo into ComfyUI/custom_nodes) and restart ComfyUI');
  const absent = messages.filter((message) => message.includes('is not on the server'));
  if (absent.length > 0) {
    const folders = [...new Set(absent.map((message) => MODEL_FOLDERS.find(([noun]) => message.includes(`${noun} '`))?.[1] ?? '<kind>'))];
    fixes.push(`put the model files in ${folders.map((folder) => `ComfyUI/models/${folder}/`).join(', ')} (or change the template's default)`);
  }
  if (messages.some((message) => /maximum|minimum|missing|output node/.test(message))) fixes.push('change the template to fit this server');
  return fixes.join('; ');
}

/** One server: reachable and its version, what each template needs, whether previews come. */
async function serverChecks(entry: ServerEntry, comfy: ComfyConfig, templates: readonly Template[], logger: Logger, options: ComfyCheckOptions): Promise<ServerReport> {
  const server = serverFor(entry, comfy, logger, options.timeoutMs);
  const title = `ComfyUI ${entry.name ?? server.host}`;
  const checks: CheckResult[] = [];
  try {
    let version: string | null = null;
    try {
      const stats = await server.systemStats();
      version = comfyVersion(stats.system['comfyui_version']);
    } catch (error) {
      checks.push(fail('reachable', describe(error), `start ComfyUI there, or correct ${entry.name === null ? 'COMFY_URL' : 'COMFY_SERVERS_FILE'}`));
      return { title, checks };
    }
    checks.push(ok('reachable', version === null ? 'version not reported' : `ComfyUI ${version}`));
    const objectInfo = await server.objectInfo();
    // A newer server runs a deprecated node as its replacement: not a missing node type.
    const replacements = await server.nodeReplacements();
    const runnable: Template[] = [];
    for (const template of templates) {
      const problems = checkTemplateAgainstServer(template, objectInfo, replacements).map((problem) => problem.message);
      if (problems.length === 0) {
        runnable.push(template);
        checks.push(ok(`template ${template.name}`, 'has the node types and models it needs'));
      } else {
        checks.push(fail(`template ${template.name}`, problems.join('; '), templateFix(problems)));
      }
    }
    checks.push(await previewCheck(server, comfy, runnable, options));
  } catch (error) {
    checks.push(fail('answers', describe(error), 'check the ComfyUI log'));
  } finally {
    await server.close();
  }
  return { title, checks };
}

async function previewCheck(server: ComfyServer, comfy: ComfyConfig, runnable: readonly Template[], options: ComfyCheckOptions): Promise<CheckResult> {
  const label = 'previews';
  if (comfy.previewMethod === 'none') return skip(label, 'COMFY_PREVIEW_METHOD=none asks for none');
  if (!options.probe) return skip(label, 'not checked (--no-probe)');
  const template = probeTemplate(runnable);
  if (template === null) return skip(label, 'not checked: no template without an input image runs on this server');
  try {
    const outcome = await runPreviewProbe(server, probeGraph(template), options.probeTimeoutMs);
    if (outcome.kind === 'previews') return ok('sends previews', `probe: a 2-step run of ${template.name}`);
    if (outcome.kind === 'no-sampler') return skip(label, `not checked: ${template.name} reported no sampler steps`);
    return fail(label, PREVIEWS_OFF_NOTICE, 'add --preview-method auto to the command that starts ComfyUI (0.3.64 and older ignore the per-prompt setting)');
  } catch (error) {
    return fail(label, `the probe prompt failed: ${describe(error)}`, 'check the ComfyUI log, or rerun with --no-probe');
  }
}

/** Every configured server, checked one after another (a probe each at most). */
export async function comfyChecks(comfy: ComfyConfig, templates: readonly Template[], logger: Logger, options: ComfyCheckOptions): Promise<ServerReport[]> {
  const reports: ServerReport[] = [];
  for (const entry of comfy.servers) reports.push(await serverChecks(entry, comfy, templates, logger, options));
  return reports;
}
