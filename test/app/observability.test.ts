import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * prom-client is loaded only by a bot that serves /metrics (HTTP_PORT set): ~15-20 MB
 * resident that a bot without an HTTP port never uses (issue 12.2). Watched in a fresh
 * process through an in-thread resolve hook, so nothing the test runner loaded counts.
 */
const root = join(import.meta.dirname, '..', '..');

function run(script: string): string[] {
  const watch = `
    const seen = new Set();
    (await import('node:module')).registerHooks({
      resolve(specifier, context, next) {
        const result = next(specifier, context);
        if (result.url.includes('/node_modules/prom-client/')) seen.add('prom-client');
        return result;
      },
    });
    globalThis.promClientLoaded = () => seen.has('prom-client');
  `;
  const child = spawnSync(process.execPath, ['--experimental-sqlite', '--import', 'tsx', '--input-type=module', '-e', watch + script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  expect(child.stderr).not.toMatch(/Error/);
  return child.stdout.trim().split('\n');
}

describe('metrics are loaded only when served', () => {
  it('the whole bot imported and its observability made without an HTTP port: no prom-client', () => {
    const out = run(`
      await import('./src/wiring/create-bot.ts');
      const { Observability } = await import('./src/app/observability.ts');
      const off = await Observability.create({ serveMetrics: false });
      off.metrics.discordResponse(200);
      off.metrics.gatewayReconnecting();
      console.log('without a port', globalThis.promClientLoaded());
      const on = await Observability.create({ serveMetrics: true });
      on.metrics.discordResponse(200);
      console.log('with a port', globalThis.promClientLoaded());
    `);
    expect(out).toEqual(['without a port false', 'with a port true']);
  }, 60_000);
});
