export { compileRelabelConfigs } from './compile.ts';
export { applyRelabel, applyRelabelTrace, dropInternalLabels, type TraceStep } from './apply.ts';
export { parseSeriesNotation, NotationError } from './series-notation.ts';
export { anySelectorMatches, parseSelector, selectorMatches, type Selector } from './selector.ts';
export { compilePromRegex, PromRegex, RegexSyntaxError } from './regex.ts';
export type { CompiledRelabel, CompiledRule, RelabelAction, RelabelConfig } from './types.ts';
export { ALL_ACTIONS, PROMETHEUS_ACTIONS, VM_ACTIONS } from './types.ts';
