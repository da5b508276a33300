/**
 * The shipped ways to run `goslim scan` on engines teams already have (issue 17): the Kubernetes
 * manifest (a CronJob of an Indexed Job, a cache volume, the docker config Secret, a results
 * volume, a merge CronJob) validated against the Kubernetes JSON schema that kubernetes-models
 * compiles from the Kubernetes OpenAPI document (no cluster needed), and the GitHub Actions
 * example parsed by GitHub's own workflow parser (@actions/workflow-parser). Both are also
 * checked for what a schema cannot see: the shard count, the matrix and `--shard` agree, every
 * volume and claim named exists, and every goslim flag they pass is one the command has.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { CronJob } from 'kubernetes-models/batch/v1/CronJob';
import { PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { command as scanCommand } from '../../src/cli/commands/scan.js';
import { command as mergeCommand } from '../../src/cli/commands/merge.js';
import { command as pushCommand } from '../../src/cli/commands/push.js';
import { REPO_ROOT } from '../helpers/images.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const MODELS: Record<string, new (data: never) => { validate(): void }> = {
  'v1/PersistentVolumeClaim': PersistentVolumeClaim as never,
  'batch/v1/CronJob': CronJob as never,
};

function validate(doc: Obj): void {
  const Model = MODELS[`${String(doc.apiVersion)}/${String(doc.kind)}`];
  if (Model === undefined) throw new Error(`no model for ${String(doc.apiVersion)} ${String(doc.kind)}`);
  new Model(doc as never).validate();
}

function validationErrorsAt(doc: Obj, path: Array<string | number>): boolean {
  try {
    validate(doc);
    return false;
  } catch (err) {
    // A JSON pointer: `/` in a key (app.kubernetes.io/name) is written ~1.
    const at = `data/${path.map((k) => String(k).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')}`;
    return String((err as Error).message).split(/[,\n]/).some((m) => m.trim().startsWith(at));
  }
}

/**
 * Kubernetes' schemas leave unknown fields alone (the API server prunes or refuses them), so a typo
 * such as `completionsMode` would pass. A field is known when the schema rejects a value of a
 * wrong type there: each field is probed with values of four types; an unknown one accepts all.
 */
function unknownFields(doc: Obj): string[] {
  const unknown: string[] = [];
  const probes: Json[] = [true, 1.5, 'probe', []];
  const walk = (node: Json, path: Array<string | number>): void => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, [...path, i]));
    else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node)) {
        const p = [...path, key];
        // apiVersion and kind choose the model (and the model sets them): checked by the lookup.
        if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
        const known = probes.some((probe) => {
          const copy = structuredClone(doc);
          let at: Json = copy;
          for (const k of path) at = (at as Record<string | number, Json>)[k]!;
          (at as Obj)[key] = probe;
          return validationErrorsAt(copy, p);
        });
        if (!known) unknown.push(p.join('.'));
        else walk(node[key]!, p);
      }
    }
  };
  walk(doc, []);
  return unknown;
}

/** The long options a goslim command accepts. */
function optionsOf(module: typeof scanCommand, name: string): Set<string> {
  const program = new Command();
  module.register(program, async () => {});
  const cmd = program.commands.find((c) => c.name() === name)!;
  return new Set(cmd.options.map((o) => o.long!).filter(Boolean));
}

/** The script's `goslim CMD` lines (at least one), each using only flags CMD has. */
function commandLines(script: string, cmd: string, options: Set<string>): string[] {
  const lines = script.split('\n').filter((l) => l.trim().startsWith(`goslim ${cmd}`));
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) for (const f of l.match(/\s(--[a-z-]+)/g) ?? []) expect(options, f).toContain(f.trim());
  return lines;
}

const manifestPath = join(REPO_ROOT, 'deploy/kubernetes/scan-cronjob.yaml');
const docs = parseAllDocuments(readFileSync(manifestPath, 'utf8')).map((d) => d.toJS() as Obj);
const byName = (kind: string, name: string): Obj => docs.find((d) => d.kind === kind && (d.metadata as Obj).name === name)!;

describe('deploy/kubernetes/scan-cronjob.yaml', () => {
  it('every document validates against the Kubernetes schema, with no field the schema does not know', () => {
    expect(docs.map((d) => `${String(d.kind)}/${String((d.metadata as Obj).name)}`)).toEqual([
      'PersistentVolumeClaim/goslim-cache',
      'PersistentVolumeClaim/goslim-results',
      'CronJob/goslim-scan',
      'CronJob/goslim-merge',
    ]);
    for (const d of docs) {
      expect(() => validate(d)).not.toThrow();
      expect(unknownFields(d), String((d.metadata as Obj).name)).toEqual([]);
    }
  });

  it('the checks are live: a wrong type, a missing name and a misspelt field are each caught', () => {
    const scan = byName('CronJob', 'goslim-scan');
    const wrongType = structuredClone(scan) as any;
    wrongType.spec.jobTemplate.spec.completions = 'four';
    expect(() => validate(wrongType)).toThrow(/completions must be integer/);
    const noName = structuredClone(scan) as any;
    delete noName.spec.jobTemplate.spec.template.spec.containers[0].name;
    expect(() => validate(noName)).toThrow(/required property name/);
    const typo = structuredClone(scan) as any;
    typo.spec.jobTemplate.spec.completionsMode = 'Indexed';
    expect(unknownFields(typo)).toEqual(['spec.jobTemplate.spec.completionsMode']);
  });

  it('an Indexed Job whose shard count, --shard auto/N, volumes, Secret and paths agree', () => {
    const job = (byName('CronJob', 'goslim-scan').spec as any).jobTemplate.spec;
    expect(job.completionMode).toBe('Indexed');
    const pod = job.template.spec;
    const c = pod.containers[0];
    const args: string[] = c.args;
    expect(args[0]).toBe('scan');
    const shard = /^--shard=auto\/(\d+)$/.exec(args.find((a) => a.startsWith('--shard='))!)!;
    expect(Number(shard[1])).toBe(job.completions);
    expect(job.parallelism).toBe(job.completions);
    // Every flag is one goslim scan has.
    const scanOptions = optionsOf(scanCommand, 'scan');
    for (const a of args.filter((x) => x.startsWith('--'))) expect(scanOptions, a).toContain(a.split('=')[0]);
    // Volumes: every mount has a volume, every claim a PersistentVolumeClaim in the file.
    const volumes = new Map<string, any>(pod.volumes.map((v: any) => [v.name, v]));
    for (const m of c.volumeMounts) expect(volumes.has(m.name), m.name).toBe(true);
    for (const v of volumes.values()) if (v.persistentVolumeClaim) expect(byName('PersistentVolumeClaim', v.persistentVolumeClaim.claimName)).toBeDefined();
    const mountOf = (name: string): string => c.volumeMounts.find((m: any) => m.name === name).mountPath;
    const env = new Map<string, any>(c.env.map((e: any) => [e.name, e]));
    // The docker config Secret lands as config.json in $DOCKER_CONFIG; the cache under $XDG_CACHE_HOME.
    expect(volumes.get('docker-config').secret.items).toEqual([{ key: '.dockerconfigjson', path: 'config.json' }]);
    expect(env.get('DOCKER_CONFIG').value).toBe(mountOf('docker-config'));
    expect(env.get('XDG_CACHE_HOME').value).toBe(mountOf('cache'));
    expect(env.get('JOB_COMPLETION_INDEX').valueFrom.fieldRef.fieldPath).toBe("metadata.annotations['batch.kubernetes.io/job-completion-index']");
    // Each shard writes its own file under the results volume, named by the job and its index.
    const output = args.find((a) => a.startsWith('--output='))!.slice('--output='.length);
    expect(output.startsWith(`${mountOf('results')}/$(JOB_NAME)/`)).toBe(true);
    expect(output).toContain('$(JOB_COMPLETION_INDEX)');
    // A retried pod continues where it stopped.
    expect(args).toContain('--resume');
  });

  it('the merge CronJob reads the scan\'s results volume with flags goslim merge has', () => {
    const pod = (byName('CronJob', 'goslim-merge').spec as any).jobTemplate.spec.template.spec;
    const script: string = pod.containers[0].args.join('\n');
    commandLines(script, 'merge', optionsOf(mergeCommand, 'merge'));
    expect(script).toContain('/results/goslim-scan-*');
    expect(pod.volumes[0].persistentVolumeClaim.claimName).toBe('goslim-results');
  });

  it('the merge CronJob pushes the results as an OCI artifact with flags goslim push has, with the docker config mounted', () => {
    const pod = (byName('CronJob', 'goslim-merge').spec as any).jobTemplate.spec.template.spec;
    const script: string = pod.containers[0].args.join('\n');
    for (const l of commandLines(script, 'push', optionsOf(pushCommand, 'push'))) {
      expect(l).toContain('--artifact');
      expect(l).toMatch(/"docker:\/\/[^"]+"$/);
    }
    const dockerConfig = pod.containers[0].env.find((e: any) => e.name === 'DOCKER_CONFIG').value;
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === dockerConfig);
    expect(pod.volumes.find((v: any) => v.name === mount.name).secret.items[0].path).toBe('config.json');
  });
});

describe('docs/examples/scan-fleet.github.yml', () => {
  const content = readFileSync(join(REPO_ROOT, 'docs/examples/scan-fleet.github.yml'), 'utf8');

  it('parses with GitHub\'s workflow parser without an error; a misspelt key is caught', () => {
    const r = parseWorkflow({ name: 'scan-fleet.github.yml', content }, new NoOperationTraceWriter());
    expect(r.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const bad = parseWorkflow({ name: 'bad.yml', content: content.replace('    needs: scan', '    need: scan') }, new NoOperationTraceWriter());
    expect(bad.context.errors.getErrors().map((e) => e.message).join('\n')).toMatch(/Unexpected value 'need'/);
  });

  it('a matrix of SHARDS shards, each --shard I/SHARDS, and a merge job after them with flags goslim has', async () => {
    const r = parseWorkflow({ name: 'scan-fleet.github.yml', content }, new NoOperationTraceWriter());
    const t = await convertWorkflowTemplate(r.context, r.value!);
    expect(t.errors ?? []).toEqual([]);
    const plain = parseAllDocuments(content)[0]!.toJS() as any;
    const shards = Number(plain.env.SHARDS);
    expect(plain.jobs.scan.strategy.matrix.shard).toEqual(Array.from({ length: shards }, (_, i) => i));
    const runs = (job: any): string => job.steps.map((s: any) => s.run ?? '').join('\n');
    expect(runs(plain.jobs.scan)).toContain('--shard ${{ matrix.shard }}/${{ env.SHARDS }}');
    expect(plain.jobs.merge.needs).toBe('scan');
    const scanOptions = optionsOf(scanCommand, 'scan');
    const mergeOptions = optionsOf(mergeCommand, 'merge');
    const pushOptions = optionsOf(pushCommand, 'push');
    expect(runs(plain.jobs.merge)).toMatch(/goslim push --artifact shard-\*\.jsonl fleet\.json "docker:\/\//);
    for (const [job, options, verb] of [[plain.jobs.scan, scanOptions, 'scan'], [plain.jobs.merge, mergeOptions, 'merge'], [plain.jobs.merge, pushOptions, 'push']] as const) {
      const text = runs(job).replace(/\n/g, ' ');
      for (const m of text.matchAll(new RegExp(`goslim ${verb}([^;|&>]*)`, 'g'))) {
        for (const f of m[1]!.match(/\s(--[a-z-]+)/g) ?? []) expect(options, f).toContain(f.trim());
      }
    }
  });
});
