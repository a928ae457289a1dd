/**
 * Relabel throughput: 10 realistic rules over 1M generated series (~9 labels each).
 * Run: ./node_modules/.bin/node bench/relabel.ts [seriesCount]
 * Prints series per second (wall clock) and per CPU-second (process.cpuUsage()).
 */
import type { Label } from '../lib/model/types.ts';
import { applyRelabel, compileRelabelConfigs, dropInternalLabels } from '../lib/relabel/index.ts';

const RULES = [
  { action: 'keep', source_labels: ['__name__'], regex: '(http|node|go|process)_.*' },
  { action: 'drop', source_labels: ['method', 'path'], separator: ';', regex: '(GET|HEAD);/debug/.*|.*;/healthz' },
  { source_labels: ['instance'], regex: '([^:]+):\\d+', target_label: 'host', replacement: '$1' },
  { target_label: 'region', replacement: 'eu-west-1' },
  { action: 'labelmap', regex: '__tmp_(.+)', replacement: 'k8s_$1' },
  { action: 'labeldrop', regex: '__tmp_.*|pod_template_hash' },
  { action: 'hashmod', source_labels: ['instance'], modulus: 16, target_label: '__shard' },
  { action: 'lowercase', source_labels: ['method'], target_label: 'method' },
  { if: '{__name__=~"http_.*", code=~"5.."}', target_label: 'severity', replacement: 'error' },
  { action: 'replace_all', source_labels: ['path'], regex: '/', replacement: '_', target_label: 'path_flat' },
];

const NAMES = ['http_requests_total', 'http_request_duration_seconds_bucket', 'node_cpu_seconds_total', 'go_goroutines',
  'process_resident_memory_bytes', 'jvm_memory_used_bytes', 'http_response_size_bytes_sum', 'node_network_receive_bytes_total'];
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD'];
const CODES = ['200', '201', '204', '301', '400', '404', '500', '503'];
const PATHS = Array.from({ length: 200 }, (_, i) => (i % 50 === 0 ? '/healthz' : i % 37 === 0 ? `/debug/pprof/${i}` : `/api/v1/items/${i}/detail`));

function generate(count: number): Label[][] {
  const interned = new Map<string, Label>();
  const label = (name: string, value: string): Label => {
    const k = name + '\u0000' + value;
    let l = interned.get(k);
    if (l === undefined) {
      l = { name, value };
      interned.set(k, l);
    }
    return l;
  };
  const out: Label[][] = [];
  for (let i = 0; i < count; i++) {
    const ls = [
      label('__name__', NAMES[i % NAMES.length]!),
      label('__tmp_app', `app-${i % 40}`),
      label('code', CODES[(i >> 3) % CODES.length]!),
      label('env', i % 3 === 0 ? 'staging' : 'prod'),
      label('instance', `10.0.${(i >> 8) & 3}.${i & 255}:9100`),
      label('job', `job-${i % 10}`),
      label('method', METHODS[(i >> 5) % METHODS.length]!),
      label('path', PATHS[(i >> 2) % PATHS.length]!),
      label('pod', `pod-${(i * 7919) % 100_000}`),
    ];
    out.push(ls.sort((a, b) => (a.name < b.name ? -1 : 1)));
  }
  return out;
}

const count = Number(process.argv[2] ?? 1_000_000);
const compiled = compileRelabelConfigs(RULES, 'bench');
const series = generate(count);

function run(n: number): { kept: number; labels: number } {
  let kept = 0;
  let labels = 0;
  for (let i = 0; i < n; i++) {
    const out = applyRelabel(compiled, series[i]!);
    if (out !== undefined) {
      kept++;
      labels += dropInternalLabels(out).length;
    }
  }
  return { kept, labels };
}

run(Math.min(200_000, count)); // warm-up (JIT, memo caches)
const cpu0 = process.cpuUsage();
const t0 = process.hrtime.bigint();
const { kept, labels } = run(count);
const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
const cpuS = (cpu.user + cpu.system) / 1e6;
// Machine reference: the cost of one Map.get on a string key (~10-20 ns on a current laptop core).
const ref = new Map(series.slice(0, 1000).map((s, i) => [s[4]!.value, i]));
const refKeys = [...ref.keys()];
let refSum = 0;
const r0 = process.hrtime.bigint();
for (let i = 0; i < 5_000_000; i++) refSum += ref.get(refKeys[i % refKeys.length]!)!;
const refNs = Number(process.hrtime.bigint() - r0) / 5_000_000;
console.log(`relabel: ${RULES.length} rules, ${count} series (${kept} kept, ${(labels / Math.max(kept, 1)).toFixed(1)} labels each after)`);
console.log(`  wall ${wallS.toFixed(3)} s -> ${Math.round(count / wallS).toLocaleString('en-US')} series/s`);
console.log(`  cpu  ${cpuS.toFixed(3)} s -> ${Math.round(count / cpuS).toLocaleString('en-US')} series/CPU-second`);
console.log(`  machine reference: Map.get ${refNs.toFixed(1)} ns (checksum ${refSum % 7})`);
