import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ComfyHttp } from '../../src/comfy/http.ts';
import { ComfyStandin, STANDIN_VERSIONS } from '../support/comfy-standin.ts';

/** ComfyHttp's feature probes and jobs routes against both stand-in modes, over real HTTP. */

let standin: ComfyStandin | undefined;
afterEach(async () => {
  await standin?.close();
  standin = undefined;
});

const graph = {
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 5 } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'j' } },
};

describe.each(STANDIN_VERSIONS)('ComfyHttp against the ComfyUI %s stand-in: feature detection', (version) => {
  it('finds the jobs API only where the server has it, and reads its feature flags', async () => {
    standin = await ComfyStandin.start({ version, maxUploadBytes: 2048 });
    const http = new ComfyHttp({ baseUrl: standin.url });
    expect(await http.hasJobsApi()).toBe(version === 'newer');
    const flags = await http.features();
    expect(flags['max_upload_size']).toBe(2048);
    expect(flags['assets']).toBe(version === 'newer' ? true : undefined);
  });

  it('reads a finished job, and tells an unknown job from a missing route', async () => {
    standin = await ComfyStandin.start({ version });
    const http = new ComfyHttp({ baseUrl: standin.url });
    const promptId = randomUUID();
    await http.postPrompt({ prompt: graph, client_id: 'c', prompt_id: promptId });
    await standin.waitFor('done', (id) => id === promptId);
    if (version === 'newer') {
      const job = await http.job(promptId);
      expect(job).toMatchObject({ kind: 'known', state: 'completed', entry: { statusStr: 'success', completed: true } });
      expect(job.kind === 'known' ? job.entry?.outputs['2']?.images?.[0]?.type : null).toBe('output');
      expect(await http.job(randomUUID())).toEqual({ kind: 'unknown' });
      expect(await http.cancelJob(promptId)).toBe(false);
    } else {
      // No jobs route: a plain 404, not "job not found".
      await expect(http.job(promptId)).rejects.toMatchObject({ code: 'COMFY_HTTP_ERROR', status: 404 });
    }
  });
});
