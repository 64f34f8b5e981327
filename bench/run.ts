/**
 * `npm run bench` — comfycord's performance benchmarks, everything on 127.0.0.1
 * against the ComfyUI and Discord stand-ins. Prints a table per benchmark and a
 * summary of the targets. See bench/README.md.
 *
 *   npx tsx bench/run.ts [--quick] [--only <name>[,<name>…]] [--write-readme]
 *
 * --write-readme (a full run only): rewrites the README's performance block from this
 * run's summary (bench/readme-section.ts), whatever the verdicts.
 *
 * Exit code: 0 when every benchmark ran and met its targets, 1 when one failed to run
 * or a target was missed (FAIL in the summary), 2 on bad arguments.
 */
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deliveryBenchmark } from './delivery.ts';
import { faultCasesBenchmark } from './fault-cases.ts';
import { floodBenchmark } from './flood.ts';
import { progressBenchmark } from './progress.ts';
import { benchSection, writeBenchSection } from './readme-section.ts';
import { badInputBenchmark, faultsBenchmark } from './reliability.ts';
import { renderSummary, renderTable, type Benchmark, type TargetCheck } from './report.ts';
import { scaleBenchmark } from './scale.ts';
import { throughputBenchmark } from './throughput.ts';

const BENCHMARKS: Benchmark[] = [throughputBenchmark, deliveryBenchmark, progressBenchmark, scaleBenchmark, faultsBenchmark, badInputBenchmark, faultCasesBenchmark, floodBenchmark];

const README = fileURLToPath(new URL('../README.md', import.meta.url));

function parseArgs(argv: string[]): { quick: boolean; only: Set<string> | null; writeReadme: boolean } {
  let quick = false;
  let writeReadme = false;
  let only: Set<string> | null = null;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--quick') quick = true;
    else if (arg === '--write-readme') writeReadme = true;
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg === '--only' ? argv[++i] : arg.slice('--only='.length);
      if (!value) throw new Error('--only needs a benchmark name');
      only = new Set(value.split(',').map((name) => name.trim()));
    } else if (arg === '--help' || arg === '-h') {
      throw new Error('help');
    } else {
      throw new Error(`unknown argument '${arg}'`);
    }
  }
  const names = new Set(BENCHMARKS.map((benchmark) => benchmark.name));
  const unknown = [...(only ?? [])].filter((name) => !names.has(name));
  if (unknown.length > 0) throw new Error(`unknown benchmark ${unknown.join(', ')}`);
  // The README's figures are those of a full run: a part or a short variant would misreport them.
  if (writeReadme && (quick || only !== null)) throw new Error('--write-readme needs a full run (no --quick, no --only)');
  return { quick, only, writeReadme };
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseArgs>;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message !== 'help') process.stderr.write(`bench: ${message}\n`);
    process.stderr.write(`usage: tsx bench/run.ts [--quick] [--only ${BENCHMARKS.map((b) => b.name).join('|')}[,…]] [--write-readme]\n`);
    return message === 'help' ? 0 : 2;
  }
  const selected = BENCHMARKS.filter((benchmark) => options.only === null || options.only.has(benchmark.name));
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(`comfycord benchmarks${options.quick ? ' (--quick)' : ''}: ${selected.map((b) => b.name).join(', ')}`);
  console.log(`Node ${process.version}, ${cpus().length} × ${cpu}; stand-ins and bench in this process, the bot in a child process where noted`);

  const targets: TargetCheck[] = [];
  const failures: Array<{ name: string; error: string }> = [];
  const started = Date.now();
  for (const benchmark of selected) {
    const benchStarted = Date.now();
    try {
      const result = await benchmark.run({ quick: options.quick });
      for (const table of result.tables) console.log(renderTable(table));
      targets.push(...result.targets);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      console.log(`\n${benchmark.title}: FAILED — ${message}`);
      if (error instanceof Error && error.stack) process.stderr.write(`${error.stack}\n`);
      failures.push({ name: benchmark.title, error: message.split('\n')[0]!.slice(0, 160) });
    }
    console.log(`  (${benchmark.name}: ${((Date.now() - benchStarted) / 1000).toFixed(1)} s)`);
  }
  console.log(renderSummary(targets, failures));
  if (options.quick) console.log('  · --quick runs few, short jobs: fixed start-up costs weigh more, so targets are judged on the full run.');
  const totalSeconds = (Date.now() - started) / 1000;
  console.log(`\ntotal ${totalSeconds.toFixed(1)} s`);
  if (options.writeReadme) {
    const facts = { date: new Date().toISOString().slice(0, 10), machine: `${cpus().length} × ${cpu}`, node: process.version, totalSeconds };
    writeBenchSection(README, benchSection(targets, failures, facts));
    console.log(`README.md: performance block rewritten from this run`);
  }
  return failures.length > 0 || targets.some((target) => !target.met) ? 1 : 0;
}

process.exitCode = await main();
