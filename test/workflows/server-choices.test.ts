/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access -- these tests break template JSON and object_info one field at a time, through loosely typed copies */
import { readFileSync } from 'node:fs';
import { OBJECT_INFO_FILE } from '../support/repo-paths.ts';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ObjectInfo } from '../../src/workflows/object-info.ts';
import { ServerChoices } from '../../src/workflows/server-choices.ts';

const realInfo = JSON.parse(readFileSync(OBJECT_INFO_FILE, 'utf8')) as Record<string, any>;

/** A stand-in ComfyUI that serves GET /object_info; tests change what it has on disk and whether it answers. */
class ObjectInfoServer {
  readonly server: Server;
  requests = 0;
  checkpoints: string[] = [];
  failing = false;
  #release: (() => void) | undefined;
  #held: Promise<void> | undefined;

  constructor() {
    this.server = createServer((req, res) => {
      if (req.url !== '/object_info') return void res.writeHead(404).end();
      this.requests += 1;
      const reply = (): void => {
        if (this.failing) return void res.writeHead(500, { 'content-type': 'text/plain' }).end('500 Internal Server Error');
        const info = structuredClone(realInfo);
        info['CheckpointLoaderSimple'].input.required.ckpt_name[0] = [...this.checkpoints];
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
      };
      if (this.#held === undefined) reply();
      else void this.#held.then(reply);
    });
  }

  /** Holds answers until release(), so a test can see concurrent callers share one request. */
  hold(): void {
    this.#held = new Promise((resolve) => { this.#release = resolve; });
  }

  release(): void {
    this.#release?.();
    this.#held = undefined;
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

function fetcher(base: string): () => Promise<ObjectInfo> {
  return async () => {
    const response = await fetch(`${base}/object_info`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`GET /object_info answered ${response.status}`);
    return (await response.json()) as ObjectInfo;
  };
}

describe('ServerChoices', () => {
  let comfy: ObjectInfoServer;
  let base: string;
  let clock: number;
  const now = () => clock;

  beforeEach(async () => {
    comfy = new ObjectInfoServer();
    base = await comfy.listen();
    clock = 1_000_000;
  });
  afterEach(async () => {
    comfy.release();
    await comfy.close();
  });

  it('GIVEN a fresh cache THEN peek knows nothing, get fetches once, and the TTL decides when to fetch again', async () => {
    comfy.checkpoints = ['a.safetensors'];
    const choices = new ServerChoices(fetcher(base), { ttlMs: 60_000, now });
    expect(choices.peek('CheckpointLoaderSimple', 'ckpt_name')).toBeUndefined();
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors']);
    expect(await choices.get('KSampler', 'scheduler')).toContain('karras');
    expect(await choices.get('UpscaleModelLoader', 'model_name')).toEqual([]);
    expect(await choices.get('NoSuchNode', 'x')).toBeUndefined();
    expect(comfy.requests).toBe(1);
    expect(choices.fetchedAt).toBe(1_000_000);

    comfy.checkpoints = ['a.safetensors', 'new.safetensors'];
    clock += 59_999;
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors']);
    expect(comfy.requests).toBe(1);
    clock += 1;
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors', 'new.safetensors']);
    expect(comfy.requests).toBe(2);
    expect(choices.peek('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors', 'new.safetensors']);
  });

  it('GIVEN many callers at once THEN they share a single request', async () => {
    comfy.checkpoints = ['a.safetensors'];
    const choices = new ServerChoices(fetcher(base), { now });
    comfy.hold();
    const pending = Array.from({ length: 5 }, () => choices.get('CheckpointLoaderSimple', 'ckpt_name'));
    await expect.poll(() => comfy.requests, { timeout: 5_000 }).toBe(1);
    comfy.release();
    expect(await Promise.all(pending)).toEqual(Array.from({ length: 5 }, () => ['a.safetensors']));
    expect(comfy.requests).toBe(1);
  });

  it('GIVEN the server fails on a refresh THEN the last good lists keep serving until the retry time', async () => {
    comfy.checkpoints = ['a.safetensors'];
    const choices = new ServerChoices(fetcher(base), { ttlMs: 1_000, retryMs: 10_000, now });
    await choices.get('CheckpointLoaderSimple', 'ckpt_name');
    comfy.failing = true;
    clock += 1_000;
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors']);
    expect(comfy.requests).toBe(2);
    clock += 5_000;
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['a.safetensors']);
    expect(comfy.requests).toBe(2);
    comfy.failing = false;
    comfy.checkpoints = ['b.safetensors'];
    clock += 5_000;
    expect(await choices.get('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['b.safetensors']);
    expect(comfy.requests).toBe(3);
  });

  it('GIVEN no lists yet and a failing server THEN the error reaches the caller, and refresh() retries at once', async () => {
    comfy.failing = true;
    const choices = new ServerChoices(fetcher(base), { retryMs: 10_000, now });
    await expect(choices.get('KSampler', 'sampler_name')).rejects.toThrow('GET /object_info answered 500');
    await expect(choices.objectInfo()).rejects.toThrow('GET /object_info answered 500');
    expect(comfy.requests).toBe(1);
    comfy.failing = false;
    await choices.refresh();
    expect(comfy.requests).toBe(2);
    expect(choices.peek('KSampler', 'sampler_name')).toContain('euler');
  });

  it('GIVEN refresh() while the cache is fresh THEN it fetches anyway and reports a failure', async () => {
    comfy.checkpoints = ['a.safetensors'];
    const choices = new ServerChoices(fetcher(base), { now });
    await choices.get('CheckpointLoaderSimple', 'ckpt_name');
    comfy.checkpoints = ['c.safetensors'];
    await choices.refresh();
    expect(choices.peek('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['c.safetensors']);
    comfy.failing = true;
    await expect(choices.refresh()).rejects.toThrow('answered 500');
    expect(choices.peek('CheckpointLoaderSimple', 'ckpt_name')).toEqual(['c.safetensors']);
  });

  it('GIVEN a fetcher that returns something other than an object THEN it counts as a failure', async () => {
    const choices = new ServerChoices(async () => [] as unknown as ObjectInfo, { now });
    await expect(choices.get('KSampler', 'sampler_name')).rejects.toThrow('/object_info did not return an object');
  });
});
