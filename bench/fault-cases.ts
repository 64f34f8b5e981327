import { pathToFileURL } from 'node:url';
import { judgeCase, type FaultCase, type FaultRow } from './fault-case.ts';
import { INTAKE_CASES } from './fault-cases-intake.ts';
import { WATCHDOG_CASES } from './fault-cases-watchdog.ts';
import { clip, formatTable, quickFlag, type Column } from './fault-support.ts';
import type { Benchmark } from './report.ts';

/**
 * Benchmark 7, faults by finding: each fault of issue 9 alone, against the whole bot
 * and the stand-ins, one row per fault with PASS/FAIL (lost 0, duplicated 0, every job
 * ended within the case's bound, as the case expects).
 *
 *   npx tsx bench/fault-cases.ts [--quick] [--only <text>]   exit 1 on any FAIL
 *
 * To add rows: write bench/fault-cases-<area>.ts exporting FaultCase values (see
 * bench/fault-case.ts and bench/fault-cases-watchdog.ts) and add them here.
 */
export const FAULT_CASES: FaultCase[] = [...WATCHDOG_CASES, ...INTAKE_CASES];

const seconds = (ms: number | null): string => (ms === null ? 'never' : `${(ms / 1000).toFixed(1)} s`);

const COLUMNS: Column<FaultRow>[] = [
  { title: 'fault', value: (r) => r.name },
  { title: '#9', value: (r) => r.finding },
  { title: 'expected', value: (r) => r.expect },
  { title: 'asked', value: (r) => r.asked, align: 'right' },
  { title: 'delivered', value: (r) => r.delivered, align: 'right' },
  { title: 'failed (with reason)', value: (r) => r.failed, align: 'right' },
  { title: 'lost', value: (r) => r.lost, align: 'right' },
  { title: 'duplicated', value: (r) => r.duplicated, align: 'right' },
  { title: 'time to end (max)', value: (r) => `${seconds(r.maxEndMs)} from ${r.from}`, align: 'right' },
  { title: 'bound', value: (r) => seconds(r.boundMs), align: 'right' },
  { title: 'result', value: (r) => (r.pass ? 'PASS' : 'FAIL') },
];

/** Runs the cases one after another (a case that throws is a FAIL row, not the end of the run). */
export async function runFaultCases(options: { quick?: boolean; only?: string | null } = {}): Promise<FaultRow[]> {
  const rows: FaultRow[] = [];
  for (const fault of FAULT_CASES.filter((c) => options.only == null || c.name.includes(options.only))) {
    try {
      rows.push(judgeCase(fault, await fault.run(options.quick ?? false)));
    } catch (error) {
      const row = judgeCase(fault, { jobs: [] });
      row.misses.push(`the case did not run: ${error instanceof Error ? error.message : String(error)}`);
      rows.push(row);
    }
  }
  return rows;
}

export function renderFaultCases(rows: FaultRow[], wallMs: number): string {
  const lines = ['\n## 7. Faults by finding (issue 9): each fault alone, whole bot + stand-ins', '', formatTable(COLUMNS, rows), ''];
  lines.push(`targets per row: lost 0, duplicated 0, every job ended as expected within the bound · ${rows.filter((r) => r.pass).length}/${rows.length} PASS · wall ${(wallMs / 1000).toFixed(1)} s`);
  for (const row of rows) {
    if (row.note !== null) lines.push(`  · ${row.name}: ${row.note}`);
    for (const miss of row.misses) lines.push(`  ✗ ${row.name}: ${clip(miss, 200)}`);
  }
  return lines.join('\n');
}

export const faultCasesBenchmark: Benchmark = {
  name: 'fault-cases',
  title: '7. Faults by finding',
  async run({ quick }) {
    const started = Date.now();
    const rows = await runFaultCases({ quick });
    console.log(renderFaultCases(rows, Date.now() - started));
    return {
      tables: [],
      targets: rows.map((row) => ({
        benchmark: '7. fault cases',
        target: `${clip(row.name, 48)}: lost 0, dup 0, ≤ ${seconds(row.boundMs)}`,
        measured: `${row.delivered}+${row.failed} of ${row.asked} ended, lost ${row.lost}, dup ${row.duplicated}, max ${seconds(row.maxEndMs)}`,
        met: row.pass,
      })),
    };
  },
};

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const argv = process.argv.slice(2);
  const onlyAt = argv.indexOf('--only');
  const started = Date.now();
  runFaultCases({ quick: quickFlag(argv), only: onlyAt === -1 ? null : (argv[onlyAt + 1] ?? null) }).then(
    (rows) => {
      console.log(renderFaultCases(rows, Date.now() - started));
      process.exit(rows.length > 0 && rows.every((row) => row.pass) ? 0 : 1);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
