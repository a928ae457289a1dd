import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseGatewayConfig } from '../../../lib/config/schema.ts';
import { re2Loaded } from '../../../lib/relabel/re2-engine.ts';
import { applyRelabel } from '../../../lib/relabel/index.ts';

// Runs in its own process (node --test), in order: what loads the RE2 engine and what does not.
describe('the RE2 engine loads only for regexes a plan cannot run', () => {
  it('a config whose regexes all have plans compiles and relabels without it', () => {
    const c = parseGatewayConfig({
      auth: { mode: 'none' },
      relabel_configs: [
        { source_labels: ['__name__'], regex: 'go_.*', action: 'drop' },
        { source_labels: ['job'], target_label: 'team', regex: '(api|web)', replacement: 'front-$1' },
        { source_labels: ['job'], target_label: 'copy' },
        { regex: 'tmp_.*', action: 'labeldrop' },
      ],
    });
    assert.equal(re2Loaded(), false);
    const out = applyRelabel(c.relabel, [{ name: '__name__', value: 'up' }, { name: 'job', value: 'api' }, { name: 'tmp_x', value: '1' }]);
    assert.deepEqual(out, [{ name: '__name__', value: 'up' }, { name: 'copy', value: 'api' }, { name: 'job', value: 'api' }, { name: 'team', value: 'front-api' }]);
    assert.equal(applyRelabel(c.relabel, [{ name: '__name__', value: 'go_gc' }]), undefined);
    assert.equal(re2Loaded(), false);
  });

  it('a regex without a plan loads it', () => {
    parseGatewayConfig({ auth: { mode: 'none' }, relabel_configs: [{ source_labels: ['instance'], regex: '(.*):\\d+', target_label: 'host' }] });
    assert.equal(re2Loaded(), true);
  });
});
