import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { createEc2ApiFactory } from '../../lib/adapters/aws/ec2-api.ts';
import { NodeHttpClient } from '../../lib/adapters/http/node-http-client.ts';
import { discoverJob, type TargetGroup } from '../../lib/scrape/discovery/index.ts';
import { FakeClock, MemoryBlobStore } from '../helpers/fakes.ts';
import { freePort, haveBinary, startMoto, useFakeAwsCredentials, type Service } from '../helpers/services.ts';

/**
 * The reference: the same scrape jobs given to a real Prometheus (the Debian package, 2.42) and to
 * discoverJob; every target's labels before relabeling (Prometheus' discoveredLabels, minus the scrape
 * settings it adds) must be the same. EC2 goes to moto server for both.
 */
const available = haveBinary('prometheus') && haveBinary('moto_server');
if (!available && process.env.CI === 'true') throw new Error('prometheus and moto_server are required under CI=true (apt-get install prometheus; pip install "moto[server]")');

// Labels Prometheus adds to discoveredLabels from the scrape config rather than from discovery.
const SCRAPE_LABELS = ['job', '__scheme__', '__metrics_path__', '__scrape_interval__', '__scrape_timeout__'];
// Added to EC2 SD after 2.42 (moto assigns no IPv6, so it would be absent anyway).
const NEWER_EC2_LABELS = ['__meta_ec2_primary_ipv6_addresses'];

/** A target as a sorted label list, without the given labels. */
function canonical(labels: Record<string, string>, drop: readonly string[] = []): string {
  return JSON.stringify(Object.entries(labels).filter(([k]) => !drop.includes(k)).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function flatten(groups: TargetGroup[]): Record<string, string>[] {
  // Prometheus: group labels first, a target's own labels win.
  return groups.flatMap((g) => g.targets.map((t) => ({ ...g.labels, ...t })));
}

describe('discovery matches a real Prometheus', { skip: !available && 'prometheus or moto_server not installed' }, () => {
  let dir: string;
  let prom: ChildProcess;
  let promUrl: string;
  let moto: Service;
  let sd: http.Server;
  let sdUrl: string;
  let jobs: Record<string, Record<string, unknown>>;
  let log = '';
  const client = new NodeHttpClient();

  before(async () => {
    useFakeAwsCredentials();
    dir = mkdtempSync(path.join(os.tmpdir(), 'prom-sd-'));
    mkdirSync(path.join(dir, 'sd'));
    writeFileSync(path.join(dir, 'sd', 'web.json'), JSON.stringify([{ targets: ['w1:80', 'w2:80'], labels: { role: 'web', __meta_filepath: 'mine' } }, { targets: ['w3:80'], labels: {} }]));
    writeFileSync(path.join(dir, 'sd', 'db.yaml'), '- targets: [d1:5432, "d2:5432"]\n  labels:\n    role: db\n    port: 5432\n    ratio: 1.50\n    empty:\n');
    writeFileSync(path.join(dir, 'sd', 'other.yml'), '- targets: [o1:1]\n');

    moto = await startMoto();
    const ec2 = new EC2Client({ region: 'us-east-1', endpoint: moto.url });
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.9.0.0/16' }));
    const subnet = await ec2.send(new CreateSubnetCommand({ VpcId: vpc.Vpc!.VpcId!, CidrBlock: '10.9.1.0/24', AvailabilityZone: 'us-east-1c' }));
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 't3.small', MinCount: 2, MaxCount: 2, SubnetId: subnet.Subnet!.SubnetId!, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'env', Value: 'prod' }, { Key: 'app.kubernetes.io/name', Value: 'api' }] }] }));
    await ec2.send(new RunInstancesCommand({ ImageId: 'ami-12c6146b', InstanceType: 'c5.large', MinCount: 1, MaxCount: 1, InstanceMarketOptions: { MarketType: 'spot' } }));
    ec2.destroy();

    sd = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify([{ targets: ['h1:9100', 'h2:9100'], labels: { __meta_dc: 'lon', team: 'infra' } }, { targets: ['h3:9100'] }]));
    });
    await new Promise<void>((r) => sd.listen(0, '127.0.0.1', r));
    sdUrl = `http://127.0.0.1:${(sd.address() as AddressInfo).port}/targets?x=1`;

    jobs = {
      static: { static_configs: [{ targets: ['s1:9100', 's2:9100'], labels: { env: 'prod' } }, { targets: ['s3:9100'] }] },
      files: { file_sd_configs: [{ files: [path.join(dir, 'sd', '*.json'), path.join(dir, 'sd', 'db.yaml')] }] },
      http: { http_sd_configs: [{ url: sdUrl }] },
      ec2: { ec2_sd_configs: [{ region: 'us-east-1', endpoint: moto.url, port: 9100 }] },
    };
    const yamlJobs = Object.entries(jobs).map(([name, j]) => {
      const body = structuredClone(j) as Record<string, unknown[]>;
      // Prometheus 2.42 needs credentials in the config for a custom endpoint; the gateway refuses them there.
      if (name === 'ec2') (body.ec2_sd_configs![0] as Record<string, unknown>).access_key = 'test';
      if (name === 'ec2') (body.ec2_sd_configs![0] as Record<string, unknown>).secret_key = 'test';
      return { job_name: name, scrape_interval: '1h', scrape_timeout: '10s', ...body };
    });
    writeFileSync(path.join(dir, 'prometheus.yml'), JSON.stringify({ scrape_configs: yamlJobs }));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn('prometheus', [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } });
    prom.stderr!.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-4000)));
  });

  after(async () => {
    client.close();
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      await exited;
    }
    await new Promise((r) => sd?.close(r));
    await moto?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Prometheus' discoveredLabels per job, once every job has as many targets as want. */
  async function prometheusTargets(want: Record<string, number>): Promise<Record<string, Record<string, string>[]>> {
    const until = Date.now() + 30_000;
    let last = '';
    while (Date.now() < until) {
      try {
        const res = await fetch(`${promUrl}/api/v1/targets`);
        if (res.ok) {
          const body = (await res.json()) as { data: { activeTargets: { discoveredLabels: Record<string, string> }[] } };
          const byJob: Record<string, Record<string, string>[]> = {};
          for (const t of body.data.activeTargets) (byJob[t.discoveredLabels.job!] ??= []).push(t.discoveredLabels);
          last = JSON.stringify(Object.fromEntries(Object.entries(byJob).map(([k, v]) => [k, v.length])));
          if (Object.entries(want).every(([job, n]) => byJob[job]?.length === n)) return byJob;
        }
      } catch {
        /* not up yet */
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`Prometheus did not discover the targets (have ${last}): ${log}`);
  }

  it('gives every target the labels Prometheus gives it', async () => {
    const deps = { http: client, blobs: new MemoryBlobStore(), readFile: (p: string) => Promise.resolve(readFileSync(p, 'utf8')), readDir: async (d: string) => readdirSync(d), clock: new FakeClock(), ec2: createEc2ApiFactory() };
    const ours: Record<string, Record<string, string>[]> = {};
    for (const [name, job] of Object.entries(jobs)) {
      const r = await discoverJob(name, job, deps);
      assert.deepEqual(r.failures, [], name);
      ours[name] = flatten(r.groups);
    }
    const theirs = await prometheusTargets(Object.fromEntries(Object.entries(ours).map(([k, v]) => [k, v.length])));
    for (const name of Object.keys(jobs)) {
      const drop = name === 'ec2' ? NEWER_EC2_LABELS : [];
      const a = ours[name]!.map((t) => canonical(t, drop)).sort();
      const b = theirs[name]!.map((t) => canonical(t, SCRAPE_LABELS)).sort();
      assert.deepEqual(a, b, name);
    }
    for (const t of ours.ec2!) assert.equal(t.__meta_ec2_primary_ipv6_addresses, undefined);
    assert.equal(ours.ec2!.length, 3);
    assert.equal(ours.files!.length, 5);
    assert.equal(ours.http!.length, 3);
  });
});
