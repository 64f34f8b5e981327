/** The workflow-template layer: load, check, detect, render. See workflows/README.md for the file format. */
export { TemplateError, formatProblem, type TemplateProblem } from './template-error.ts';
export { TEMPLATE_KINDS, TEMPLATE_ROLES, OPTION_TYPES, listOptions, findOption } from './template.ts';
export type { Template, TemplateOption, TemplateKind, TemplateRole, OptionType, OptionValue, ChoicesFrom, OptionListing } from './template.ts';
export { ROLE_BINDINGS, ROLE_USES, SETTABLE_ROLES, isTemplateRole, roleProblems, roleSettingName, type RoleBinding, type SettableRole } from './template-role.ts';
export { CANONICAL_OPTIONS, MAX_SEED, PROMPT_MAX_LENGTH, canonicalOption, type CanonicalOptionName } from './canonical-options.ts';
export { formatRef, parseRef, cloneGraph, isLink, type ApiGraph, type ApiNode, type InputRef, type Link } from './graph.ts';
export { parseTemplate, parseTemplateText, isRawGraph, templateNameOf } from './parse-template.ts';
export { loadTemplates, TemplateSet, MAX_TEMPLATE_BYTES } from './load-templates.ts';
export { detectBindings, SAMPLER_CLASSES, type Detection, type DetectionResult, type DetectedBinding, type DetectedOptionName, type ImageRole, type ValueSource } from './detect.ts';
export { renderTemplate, secureRandom, seedTargetClasses, type RenderOptions, type RenderResult } from './render.ts';
export { checkOptionValue, type ChoiceSource, type ValueCheck } from './option-values.ts';
export { checkTemplateAgainstServer } from './server-check.ts';
export { ServerChoices, type ServerChoicesOptions } from './server-choices.ts';
export { choicesFromObjectInfo, comboChoices, inputInfo, type ObjectInfo, type InputInfo } from './object-info.ts';
export { describeOutpaint, MAX_ZOOM, MIN_ZOOM, outpaintActionOf, OUTPAINT_PARAMS, PAN_DIRECTIONS, padOptions, planOutpaint, withPlaceholderPads, type OutpaintAction, type OutpaintPlan, type PanDirection, type Pads, type Size } from './outpaint.ts';
