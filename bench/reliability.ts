import { runBadInput } from './bad-input.ts';
import { runFaultsDetailed } from './faults.ts';
import type { Benchmark } from './report.ts';

/**
 * Benchmarks 5 and 6 as entries of `npm run bench`: they print their own tables
 * (faults.ts, bad-input.ts) and report their targets to the shared summary.
 */

export const faultsBenchmark: Benchmark = {
  name: 'faults',
  title: '5. Faults',
  async run({ quick }) {
    const result = await runFaultsDetailed({ quick });
    // The first row counts every interaction; the others split it by the fault it met.
    const all = result.rows[0]!;
    const lost = all.lost;
    const duplicated = all.duplicated + all.ranTwice;
    return {
      tables: [],
      targets: [
        { benchmark: '5. faults', target: 'lost = 0', measured: `${lost} of ${all.asked}`, met: lost === 0 },
        { benchmark: '5. faults', target: 'duplicated = 0', measured: String(duplicated), met: duplicated === 0 },
      ],
    };
  },
};

export const badInputBenchmark: Benchmark = {
  name: 'bad-input',
  title: '6. Bad input',
  async run({ quick }) {
    const rows = await runBadInput({ quick });
    const failed = rows.filter((row) => row.verdict !== 'pass');
    return {
      tables: [],
      targets: [
        {
          benchmark: '6. bad input',
          target: 'every case a clear reply, nothing lost',
          measured: `${rows.length - failed.length}/${rows.length} pass${failed.length > 0 ? ` (${failed.map((row) => row.case).join('; ').slice(0, 120)})` : ''}`,
          met: failed.length === 0,
        },
      ],
    };
  },
};
