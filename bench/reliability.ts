import { runBadInput } from './bad-input.ts';
import { faultRowMisses, runFaultsDetailed } from './faults.ts';
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
    // Every row judged: 'all' counts every interaction, the others split it by the fault each met.
    return {
      tables: [],
      targets: result.rows.map((row) => {
        const misses = faultRowMisses(row);
        return {
          benchmark: `5. faults: ${row.cohort}`,
          target: 'each ended once, answered ≤ 3 s',
          measured: misses.length === 0 ? `${row.asked} of ${row.asked}` : misses.join(', '),
          met: misses.length === 0,
        };
      }),
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
