/** What /healthz asks; each answers at once, without waiting on the network. */
export interface HealthSources {
  discordConnected(): boolean;
  /** Throws, with the reason, when the store cannot take a write now. */
  checkStoreWritable(): void;
  /** Each configured ComfyUI server by its configured name, and why it takes no work (null: healthy). */
  servers(): readonly { name: string; unhealthy: string | null }[];
}

export interface HealthReport {
  ok: boolean;
  checks: { discord: boolean; store: boolean; comfy: boolean };
  /** Why it is not ok, one sentence per failed check; empty when ok. */
  reasons: string[];
}

/**
 * Healthy when Discord's gateway is connected, the store takes a write and at least one
 * ComfyUI server is healthy: the three things a job needs. Servers are named by their
 * configured name (the URL's host by default, never its credentials).
 */
export function healthReport(sources: HealthSources): HealthReport {
  const reasons: string[] = [];
  const discord = sources.discordConnected();
  if (!discord) reasons.push('Discord: the gateway is not connected');
  let store = true;
  try {
    sources.checkStoreWritable();
  } catch (error) {
    store = false;
    reasons.push(`store: not writable (${error instanceof Error ? error.message : String(error)})`);
  }
  const servers = sources.servers();
  const comfy = servers.some((server) => server.unhealthy === null);
  if (!comfy) reasons.push(`ComfyUI: no server is healthy (${servers.map((server) => `${server.name}: ${server.unhealthy ?? 'healthy'}`).join('; ')})`);
  return { ok: reasons.length === 0, checks: { discord, store, comfy }, reasons };
}
