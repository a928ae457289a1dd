/**
 * Every push protocol the gateway serves, one line each. A new protocol is a folder lib/ingest/<name>/ with an
 * index.ts (static data: name, routes, options key, loader; see lib/ingest/protocol.ts) and its line here;
 * the router, the Lambda's lazy loading, the config's protocol sections and the route table test read this.
 */
export { remoteWrite } from './remote-write/index.ts';
export { influx } from './influx/index.ts';
export { otlp } from './otlp/index.ts';
export { datadog } from './datadog/index.ts';
export { jsonline } from './jsonline/index.ts';
export { csv } from './csv/index.ts';
export { opentsdb } from './opentsdb/index.ts';
export { graphite } from './graphite/index.ts';
export { prometheus } from './prometheus/index.ts';
export { pushgateway } from './pushgateway/index.ts';
