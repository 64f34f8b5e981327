/** The workflow-template layer: load, check, detect, render. See workflows/README.md for the file format. */
export { formatProblem } from './template-error.ts';
export { listOptions, findOption } from './template.ts';
export type { Template, TemplateOption, TemplateKind, OptionListing } from './template.ts';
export { MAX_SEED, PROMPT_MAX_LENGTH } from './canonical-options.ts';
export { parseTemplateText } from './parse-template.ts';
export { loadTemplates, TemplateSet } from './load-templates.ts';
export { renderTemplate, seedTargetClasses } from './render.ts';
export { checkTemplateAgainstServer } from './server-check.ts';
export { ServerChoices } from './server-choices.ts';
