/** How benchmarks print: a compact table each, and targets checked in a final summary. */

export type Cell = string | number | null;

export interface Table {
  title: string;
  columns: string[];
  rows: Cell[][];
  /** Lines printed under the table (how it was measured, caveats). */
  notes?: string[];
}

export interface TargetCheck {
  benchmark: string;
  target: string;
  measured: string;
  met: boolean;
}

/**
 * A figure judged against its target: `at most` / `at least` a bound. NaN (nothing
 * measured) fails: a figure that could not be measured cannot pass.
 */
export function judge(benchmark: string, measured: number, bound: { atMost: number } | { atLeast: number }, unit = '', digits = 0): TargetCheck {
  const limit = 'atMost' in bound ? bound.atMost : bound.atLeast;
  const met = Number.isFinite(measured) && ('atMost' in bound ? measured <= bound.atMost : measured >= bound.atLeast);
  const suffix = unit === '' ? '' : ` ${unit}`;
  return { benchmark, target: `${'atMost' in bound ? '≤' : '≥'} ${fmt(limit, digits)}${suffix}`, measured: `${fmt(measured, digits)}${suffix}`, met };
}

/** PASS or FAIL, as every summary prints it. */
export function verdict(check: TargetCheck): 'PASS' | 'FAIL' {
  return check.met ? 'PASS' : 'FAIL';
}

export interface BenchResult {
  tables: Table[];
  targets: TargetCheck[];
}

export interface BenchSettings {
  quick: boolean;
}

export interface Benchmark {
  name: string;
  title: string;
  run(settings: BenchSettings): Promise<BenchResult>;
}

/** A number with `digits` decimals; integers stay integers; NaN and null print as '–'. */
export function fmt(value: number | null | undefined, digits = 1): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '–';
  if (!Number.isFinite(value)) return String(value);
  return Number.isInteger(value) && digits <= 1 ? String(value) : value.toFixed(digits);
}

export function renderTable(table: Table): string {
  const text = (cell: Cell): string => (cell === null ? '–' : typeof cell === 'number' ? fmt(cell) : cell);
  const grid = [table.columns, ...table.rows.map((row) => row.map(text))];
  const widths = table.columns.map((_, column) => Math.max(...grid.map((row) => (row[column] ?? '').length)));
  const line = (row: string[]): string =>
    row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ');
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  const out = [`\n${table.title}`, line(grid[0]!), rule, ...grid.slice(1).map(line)];
  for (const note of table.notes ?? []) out.push(`  · ${note}`);
  return out.join('\n');
}

export function renderSummary(targets: TargetCheck[], failures: Array<{ name: string; error: string }>): string {
  const rows: Cell[][] = targets.map((t) => [t.benchmark, t.target, t.measured, verdict(t)]);
  for (const failure of failures) rows.push([failure.name, 'ran to the end', `error: ${failure.error}`, 'FAIL']);
  return renderTable({ title: 'Summary', columns: ['benchmark', 'target', 'measured', 'result'], rows });
}
