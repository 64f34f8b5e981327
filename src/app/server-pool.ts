import { systemClock, type CancelTimer, type Clock } from '../clock.ts';
import { ComfyServer, type ComfyServerOptions } from '../comfy/server.ts';
import type { Job } from '../jobs/job.ts';
import type { WorkerSlot } from '../jobs/scheduler.ts';
import { NoServerError } from '../jobs/scheduler-errors.ts';
import { silentLogger, type Logger } from '../log.ts';
import type { TemplateSet } from '../workflows/index.ts';
import { comboChoices, hasClass, type ObjectInfo } from '../workflows/object-info.ts';
import { HEALTH_DEFAULTS, HealthTracker } from './health-tracker.ts';
import { PreviewWatch } from './preview-watch.ts';
import { comfyVersion, downReason, type ServerStart } from './ready-line.ts';

export interface PoolServerConfig extends Omit<ComfyServerOptions, 'logger'> {
  /** Shown to users and admins; defaults to the URL's host. */
  name?: string;
  /** Relative capacity for dispatch. Default 1. */
  weight?: number;
}

export interface ServerStatus {
  name: string;
  state: string;
  queueRemaining: number | null;
  inFlight: number;
  /** Why it takes no work although configured (health check failing, lost, cool-down); null when healthy. */
  health: string | null;
  /** Node types the server lacks for some template, by template. */
  missing: Record<string, string[]>;
  /** What authenticates requests to it, by name only ('Basic auth', header names); never a value. */
  credentialNames: string[];
  /** Its last sampler run sent no preview frame (see PreviewWatch). */
  previewsOff: boolean;
}

interface Member {
  name: string;
  server: ComfyServer;
  weight: number;
  objectInfo: ObjectInfo | null;
  objectInfoAt: number;
  /** Checkpoint of the last job started there: likely still loaded in VRAM. */
  lastCheckpoint: string | null;
  credentialNames: string[];
  health: HealthTracker;
  /** Times its socket became ready: the first connection, then each reconnect after a drop. */
  readyCount: number;
}

export interface ServerPoolOptions {
  templates: TemplateSet;
  logger?: Logger;
  objectInfoTtlMs?: number;
  /** Unreachable (socket down, or health check failing) this long: its running and queued jobs go elsewhere. Default 15000. */
  lostAfterMs?: number;
  /** GET /prompt on every connected server this often (0: never). Default 5000. */
  healthCheckMs?: number;
  /** Bound on one health check. Default 5000. */
  healthTimeoutMs?: number;
  /** Health timers and timestamps. Default: the system clock. */
  clock?: Clock;
}

/**
 * Every configured ComfyUI server, by name, with what each can run. The scheduler
 * sees them as WorkerSlots: healthy while the socket is ready, able to run a job when
 * the server has every node type of its template (from /object_info, refreshed now
 * and then; unknown until first read counts as able).
 */
export class ServerPool {
  readonly #members = new Map<string, Member>();
  readonly #templates: TemplateSet;
  readonly #log: Logger;
  readonly #objectInfoTtlMs: number;
  readonly #previews: PreviewWatch;
  #onChange: () => void = () => undefined;

  readonly #healthTimer: CancelTimer | null;

  constructor(configs: PoolServerConfig[], options: ServerPoolOptions) {
    this.#templates = options.templates;
    this.#log = options.logger ?? silentLogger();
    this.#objectInfoTtlMs = options.objectInfoTtlMs ?? 10 * 60_000;
    const clock = options.clock ?? systemClock;
    // With COMFY_PREVIEW_METHOD=none no preview is what was asked for, not a server problem.
    this.#previews = new PreviewWatch(this.#log, configs.some((config) => config.previewMethod !== 'none'));
    const hosts = configs.map((config) => new URL(config.url).host);
    configs.forEach((config, index) => {
      const duplicate = hosts.filter((host) => host === hosts[index]).length > 1;
      const name = config.name ?? (duplicate ? `${hosts[index]}#${index + 1}` : hosts[index]!);
      const { name: _name, weight = 1, ...serverOptions } = config;
      // A name the operator gave is what users read; the address stays in the log.
      const server = new ComfyServer({ ...serverOptions, ...(config.name == null ? {} : { label: config.name }), logger: this.#log });
      const basic = config.auth !== undefined || new URL(config.url).username !== '';
      const credentialNames = [...(basic ? ['Basic auth'] : []), ...Object.keys(config.headers ?? {}).sort()];
      const health = new HealthTracker(name, server, {
        lostAfterMs: options.lostAfterMs ?? HEALTH_DEFAULTS.lostAfterMs,
        healthTimeoutMs: options.healthTimeoutMs ?? HEALTH_DEFAULTS.healthTimeoutMs,
        clock,
        log: this.#log,
        onChange: () => this.#onChange(),
      });
      const member: Member = { name, server, weight, objectInfo: null, objectInfoAt: 0, lastCheckpoint: null, health, credentialNames, readyCount: 0 };
      server.on('state', (state) => this.#onState(member, state));
      this.#members.set(name, member);
    });
    const healthCheckMs = options.healthCheckMs ?? HEALTH_DEFAULTS.healthCheckMs;
    this.#healthTimer = healthCheckMs > 0 ? clock.every(healthCheckMs, () => this.#probeAll()) : null;
  }

  #onState(member: Member, state: string): void {
    member.health.socketState(state);
    if (state === 'ready') {
      member.readyCount += 1;
      void this.refreshObjectInfo(member.name);
    }
    this.#onChange();
  }

  #probeAll(): void {
    for (const member of this.#members.values()) member.health.probe();
  }

  /** Takes a server out of dispatch for a cool-down (it stalled jobs twice in a row); it stays connected. */
  bench(name: string, ms: number, why: string): void {
    this.#members.get(name)?.health.bench(ms, why);
  }

  /** Remembers what a server has loaded, so the next job with that checkpoint prefers it. */
  noteCheckpoint(name: string, checkpoint: unknown): void {
    const member = this.#members.get(name);
    if (member && typeof checkpoint === 'string') member.lastCheckpoint = checkpoint;
  }

  /** A finished run on `name`: its sampler steps and the preview frames that came with them. */
  notePreviews(name: string, samplerSteps: number, previews: number): void {
    if (this.#members.has(name)) this.#previews.observe(name, samplerSteps, previews);
  }

  /** Per server, how many times its socket came back after a drop (for /metrics). */
  reconnects(): Map<string, number> {
    return new Map([...this.#members.values()].map((member) => [member.name, Math.max(0, member.readyCount - 1)]));
  }

  /** Called whenever a server's health or abilities change (the scheduler pumps). */
  onChange(listener: () => void): void {
    this.#onChange = listener;
  }

  /** Connected and passing its health checks now. */
  isHealthy(name: string): boolean {
    return this.#members.get(name)?.health.healthy ?? false;
  }

  names(): string[] {
    return [...this.#members.keys()];
  }

  get(name: string): ComfyServer | undefined {
    return this.#members.get(name)?.server;
  }

  /** The first server, for commands that need any one (e.g. autocomplete choices). */
  any(): ComfyServer {
    const ready = [...this.#members.values()].find((member) => member.server.state === 'ready');
    return (ready ?? [...this.#members.values()][0]!).server;
  }

  /** Connects every server; one that is down keeps retrying in the background. */
  /** Connects every server once; those down keep retrying in the background. Says how each start went. */
  async start(): Promise<ServerStart[]> {
    return Promise.all(
      [...this.#members.values()].map(async (member): Promise<ServerStart> => {
        try {
          await member.server.connect();
          this.#log.info({ server: member.name, clientId: member.server.clientId }, 'ComfyUI connected');
        } catch (error) {
          this.#log.warn({ server: member.name, err: error }, 'ComfyUI not reachable yet; retrying in the background');
          return { name: member.name, version: null, down: downReason(error) };
        }
        const version = await member.server.systemStats().then(
          (stats) => comfyVersion(stats.system['comfyui_version']),
          () => null,
        );
        return { name: member.name, version, down: null };
      }),
    );
  }

  async close(): Promise<void> {
    this.#healthTimer?.();
    for (const member of this.#members.values()) member.health.close();
    await Promise.all([...this.#members.values()].map((member) => member.server.close()));
  }

  async refreshObjectInfo(name: string): Promise<ObjectInfo | null> {
    const member = this.#members.get(name);
    if (!member) return null;
    try {
      member.objectInfo = await member.server.objectInfo();
      member.objectInfoAt = Date.now();
      this.#onChange();
    } catch (error) {
      this.#log.warn({ server: name, err: error }, 'could not read /object_info');
    }
    return member.objectInfo;
  }

  /** The cached /object_info of a server, refreshed when older than the TTL. */
  async objectInfo(name: string): Promise<ObjectInfo | null> {
    const member = this.#members.get(name);
    if (!member) return null;
    if (member.objectInfo === null || Date.now() - member.objectInfoAt > this.#objectInfoTtlMs) {
      return this.refreshObjectInfo(name);
    }
    return member.objectInfo;
  }

  missingNodeTypes(name: string, templateName: string): string[] {
    const member = this.#members.get(name);
    const template = this.#templates.get(templateName);
    if (!member?.objectInfo || !template) return [];
    const info = member.objectInfo;
    return [...new Set(Object.values(template.graph).map((node) => node.class_type))].filter((type) => !hasClass(info, type));
  }

  /**
   * Refuses a new job up front when no server could start it now (all unreachable,
   * or every reachable one lacks the template's nodes): otherwise it would sit in
   * the queue with nothing telling the user why.
   */
  assertCanRun(templateName: string): void {
    const members = [...this.#members.values()];
    // A server unreachable within its grace period (COMFY_LOST_AFTER_SECONDS) still counts:
    // a socket blip or a quick ComfyUI restart queues jobs instead of refusing them.
    const ready = members.filter((member) => member.server.state === 'ready' || member.health.inGrace);
    if (ready.length === 0) {
      const names = members.map((member) => member.name).join(', ');
      throw new NoServerError(`ComfyUI (${names}) is not reachable. Try again in a minute.`);
    }
    const missing = ready.map((member) => this.missingNodeTypes(member.name, templateName));
    if (missing.every((types) => types.length > 0)) {
      throw new NoServerError(`template '${templateName}' needs nodes the server does not have (${missing[0]!.join(', ')}). Ask an admin.`);
    }
  }

  /**
   * Models (checkpoint, LoRA, upscale model…) the job asks for that this server's
   * lists do not have; a server whose list is unknown or empty is not judged.
   */
  missingModels(name: string, job: Job): string[] {
    const info = this.#members.get(name)?.objectInfo;
    const template = this.#templates.get(job.spec.template);
    if (!info || !template) return [];
    const missing: string[] = [];
    for (const option of template.options) {
      if (!option.choicesFrom) continue;
      const value = job.resolved?.[option.name] ?? job.spec.options[option.name] ?? option.default;
      const choices = comboChoices(info, option.choicesFrom.class, option.choicesFrom.input);
      if (typeof value === 'string' && choices && choices.length > 0 && !choices.includes(value)) missing.push(value);
    }
    return missing;
  }

  /**
   * A server without the job's model is passed over while another has it; when none
   * has it, any server may take the job so ComfyUI's own validation error reaches the
   * user instead of the job waiting forever.
   */
  #hasModelsOrNoneHas(name: string, job: Job): boolean {
    if (this.missingModels(name, job).length === 0) return true;
    return ![...this.#members.keys()].some((other) => this.missingModels(other, job).length === 0 && this.missingNodeTypes(other, job.spec.template).length === 0);
  }

  workers(): WorkerSlot[] {
    return [...this.#members.values()].map((member) => ({
      name: member.name,
      weight: member.weight,
      isHealthy: () => member.health.healthy,
      canRun: (job: Job) => this.missingNodeTypes(member.name, job.spec.template).length === 0 && this.#hasModelsOrNoneHas(member.name, job),
      affinity: (job: Job) => (member.lastCheckpoint !== null && member.lastCheckpoint === this.#checkpointOf(job) ? 1 : 0),
    }));
  }

  #checkpointOf(job: Job): string | null {
    const chosen = job.resolved?.['checkpoint'] ?? job.spec.options['checkpoint'];
    if (typeof chosen === 'string') return chosen;
    const fallback = this.#templates.get(job.spec.template)?.options.find((option) => option.name === 'checkpoint')?.default;
    return typeof fallback === 'string' ? fallback : null;
  }

  status(): ServerStatus[] {
    return [...this.#members.values()].map((member) => ({
      name: member.name,
      state: member.server.state,
      queueRemaining: member.server.queueRemaining,
      inFlight: member.server.inFlight,
      credentialNames: [...member.credentialNames],
      health: member.health.describe(),
      previewsOff: this.#previews.previewsOff(member.name),
      missing: Object.fromEntries(
        this.#templates
          .names()
          .map((template) => [template, this.missingNodeTypes(member.name, template)] as const)
          .filter(([, missing]) => missing.length > 0),
      ),
    }));
  }
}
