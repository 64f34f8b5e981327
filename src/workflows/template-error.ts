import { ComfycordError } from '../errors.ts';
import type { WorkflowErrorCode } from './error-codes.ts';

/** One thing wrong with a template file: where (a JSON path inside the file) and what. */
export interface TemplateProblem {
  readonly file: string;
  /** JSON path inside the file, e.g. `options.steps.targets[0]`; empty for the file as a whole. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(problem: TemplateProblem): string {
  return problem.path === '' ? `${problem.file}: ${problem.message}` : `${problem.file}: ${problem.path}: ${problem.message}`;
}

/**
 * A template that cannot be used. Raised when templates load (never at job time), so a
 * bad file stops the bot at start-up with every problem listed, one per line.
 */
export class TemplateError extends ComfycordError<WorkflowErrorCode> {
  readonly problems: readonly TemplateProblem[];

  constructor(problems: readonly TemplateProblem[]) {
    const text = problems.length === 0 ? 'invalid template' : problems.map(formatProblem).join('\n');
    super('TEMPLATE_INVALID', text, { context: { files: [...new Set(problems.map((p) => p.file))], problems } });
    this.problems = problems;
  }

  /** The file of the first problem (every problem when the error comes from one file). */
  get file(): string {
    return this.problems[0]?.file ?? '';
  }
}
