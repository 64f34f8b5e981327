import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { TargetCheck } from './report.ts';
import { verdict } from './report.ts';

/**
 * `npm run bench -- --write-readme`: the README's performance figures, rewritten from a
 * full run. Only the text between the two markers is replaced, so the prose around it
 * stays hand-written; a README without the markers is an error, never a guess.
 */
export const README_BEGIN = '<!-- bench:begin (written by `npm run bench -- --write-readme`) -->';
export const README_END = '<!-- bench:end -->';

export interface RunFacts {
  /** ISO day of the run, e.g. 2026-12-04. */
  date: string;
  machine: string;
  node: string;
  totalSeconds: number;
}

/** A table cell: one line, no pipe to break the row. */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');
}

export function benchSection(targets: readonly TargetCheck[], failures: ReadonlyArray<{ name: string; error: string }>, facts: RunFacts): string {
  const met = targets.filter((target) => target.met).length;
  const rows = [
    ...targets.map((t) => `| ${cell(t.benchmark)} | ${cell(t.target)} | ${cell(t.measured)} | ${verdict(t) === 'PASS' ? '✅ PASS' : '❌ FAIL'} |`),
    ...failures.map((f) => `| ${cell(f.name)} | ran to the end | ${cell(`error: ${f.error}`)} | ❌ FAIL |`),
  ];
  return [
    `Latest full run: ${facts.date}, ${facts.machine}, Node ${facts.node}, ${facts.totalSeconds.toFixed(0)} s; ` +
      `${met} of ${targets.length} targets met${failures.length > 0 ? `, ${failures.length} benchmark(s) did not run to the end` : ''}.`,
    '',
    '| figure | target | measured | result |',
    '|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** `readme` with the text between the markers replaced by `section`. */
export function replaceBenchSection(readme: string, section: string): string {
  const begin = readme.indexOf(README_BEGIN);
  const end = readme.indexOf(README_END);
  if (begin === -1 || end === -1 || end < begin) throw new Error(`the README has no '${README_BEGIN}' … '${README_END}' block to rewrite`);
  return `${readme.slice(0, begin + README_BEGIN.length)}\n${section}\n${readme.slice(end)}`;
}

/** Rewrites the file in one rename, so an interrupted run never leaves half a README. */
export function writeBenchSection(path: string, section: string): void {
  const next = replaceBenchSection(readFileSync(path, 'utf8'), section);
  const temporary = `${path}.bench-${process.pid}`;
  writeFileSync(temporary, next);
  renameSync(temporary, path);
}
