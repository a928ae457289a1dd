import { ALL_ACTIONS } from '../../relabel/types.ts';
import { checkedElsewhere } from './kit.ts';

/**
 * A relabel rule list. Its rules are checked by the relabel compiler (lib/relabel/config-read.ts and
 * validate.ts: keys, per-action requirements, regex compilation), which also runs when a prepared config is
 * restored at a cold start and so must not need this schema library; the schema describes the rule for the
 * JSON Schema and delegates the check.
 */
const scalar = { type: ['string', 'number', 'boolean'] };
const strings = { type: 'array', items: scalar };
export const RELABEL_RULE_JSON_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    source_labels: strings,
    separator: scalar,
    regex: { anyOf: [scalar, strings] },
    modulus: { anyOf: [{ type: 'integer', minimum: 1 }, { type: 'string', pattern: '^[0-9]+$' }] },
    target_label: scalar,
    replacement: scalar,
    action: { type: 'string', description: `One of ${ALL_ACTIONS.join(', ')} (any case).` },
    if: { anyOf: [scalar, strings], description: 'vmagent series selector(s).' },
    match: scalar,
    labels: { type: 'object', additionalProperties: scalar },
  },
};

export const relabelRules = checkedElsewhere({ anyOf: [{ type: 'array', items: RELABEL_RULE_JSON_SCHEMA }, { type: 'null' }] });
