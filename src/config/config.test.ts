import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig } from './schema.js';
import { findConfigFile, loadConfigFile } from './load.js';
import { isGoslimError } from '../errors.js';

const knownRules = ['G001', 'single-stage', 'G008', 'missing-trimpath', 'G019', 'unpinned-base'];

describe('validateConfig', () => {
  it('accepts a full config', () => {
    const { config, issues } = validateConfig(
      { lint: { disable: ['G019'], severity: { 'missing-trimpath': 'warning' }, 'failure-threshold': 'error' } },
      { knownRules },
    );
    expect(issues).toEqual([]);
    expect(config.lint).toEqual({ disable: ['G019'], severity: { 'missing-trimpath': 'warning' }, failureThreshold: 'error' });
  });

  it('reports every problem at once, with paths', () => {
    const { issues } = validateConfig(
      { lnt: 1, lint: { disable: ['G999', 3], severity: { G008: 'fatal', G777: 'info' }, 'failure-threshold': 'style', extra: true } },
      { knownRules },
    );
    expect(issues.map((i) => i.path)).toEqual([
      'lnt',
      'lint.extra',
      'lint.disable[0]',
      'lint.disable[1]',
      'lint.severity.G008',
      'lint.severity.G777',
      'lint.failure-threshold',
    ]);
  });

  it('accepts an empty file', () => {
    expect(validateConfig(null, { knownRules }).issues).toEqual([]);
  });
});

describe('config files', () => {
  const root = mkdtempSync(join(tmpdir(), 'goslim-config-'));
  mkdirSync(join(root, 'svc', 'deploy'), { recursive: true });
  writeFileSync(join(root, '.goslim.yaml'), 'lint:\n  disable: [G019]\n');
  writeFileSync(join(root, 'svc', 'goslim.config.json'), '{"lint": {"failure-threshold": "error"}}');

  it('finds the nearest file from the Dockerfile dir up to the cwd', () => {
    expect(findConfigFile(join(root, 'svc', 'deploy'), root)).toBe(join(root, 'svc', 'goslim.config.json'));
    expect(findConfigFile(join(root, 'svc', 'deploy'), join(root, 'svc', 'deploy'))).toBeNull();
    expect(findConfigFile(root, root)).toBe(join(root, '.goslim.yaml'));
  });

  it('loads YAML and JSON', () => {
    expect(loadConfigFile(join(root, '.goslim.yaml'), { knownRules }).lint.disable).toEqual(['G019']);
    expect(loadConfigFile(join(root, 'svc', 'goslim.config.json'), { knownRules }).lint.failureThreshold).toBe('error');
  });

  it('throws E_CONFIG with every issue, E_NOT_FOUND for a missing file', () => {
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'lint:\n  disable: G019\n  severity: {G001: loud}\n');
    try {
      loadConfigFile(bad, { knownRules });
      expect.unreachable();
    } catch (err) {
      expect(isGoslimError(err, 'E_CONFIG')).toBe(true);
      expect((err as { details: { issues: unknown[] } }).details.issues).toHaveLength(2);
    }
    const broken = join(root, 'broken.yaml');
    writeFileSync(broken, 'lint: [unclosed\n');
    expect(() => loadConfigFile(broken, { knownRules })).toThrowError(expect.objectContaining({ code: 'E_CONFIG' }));
    expect(() => loadConfigFile(join(root, 'nope.yaml'), { knownRules })).toThrowError(expect.objectContaining({ code: 'E_NOT_FOUND' }));
  });
});

describe('validateConfig: every command\'s section (#14)', () => {
  const full = {
    inspect: { 'max-size': '50MB', 'max-compressed-size': 20000000, 'min-efficiency': '95%', 'fail-on-lever': ['strip-symbols'] },
    verify: { run: true, timeout: '5s', probe: 'http://127.0.0.1:8080/healthz', sandbox: 'namespaces', strict: true, args: ['serve', '--port=8080'] },
    build: { base: 'scratch', platforms: ['linux/amd64', 'linux/arm64/v8'], ldflags: '-X main.v=1', user: 65532, sbom: 'none', 'gzip-level': 9, ports: [8080, '53/udp'], env: ['A=1'], labels: { team: 'core', n: 1 }, source: 'https://example.com/r' },
    registries: { insecure: ['registry.internal:5000'], 'request-timeout': '90s', 'min-rate': '10KB/s' },
  };

  it('accepts a full config and converts values with the flags\' parsers', () => {
    const { config, issues } = validateConfig(full, { knownRules });
    expect(issues).toEqual([]);
    expect(config.inspect).toEqual({ maxSize: 50_000_000, maxCompressedSize: 20_000_000, minEfficiency: 0.95, failOnLever: ['strip-symbols'] });
    expect(config.verify).toEqual({ run: true, timeout: 5000, probe: 'http://127.0.0.1:8080/healthz', sandbox: 'namespaces', strict: true, args: ['serve', '--port=8080'] });
    expect(config.build).toMatchObject({ base: 'scratch', platforms: ['linux/amd64', 'linux/arm64/v8'], user: '65532', sbom: 'none', gzipLevel: 9, ports: ['8080', '53/udp'], labels: { team: 'core', n: '1' } });
    expect(config.registries).toEqual({ insecure: ['registry.internal:5000'], requestTimeout: '90s', minRate: '10KB/s' });
  });

  it('cache: dir, max-size and enabled (#17), each problem with its path', () => {
    const ok = validateConfig({ cache: { dir: '/var/cache/goslim', 'max-size': '2GB', enabled: false } }, { knownRules });
    expect(ok.issues).toEqual([]);
    expect(ok.config.cache).toEqual({ dir: '/var/cache/goslim', maxSize: 2_000_000_000, enabled: false });
    const bad = validateConfig({ cache: { dir: '', 'max-size': 'lots', enabled: 'yes', other: 1 } }, { knownRules });
    expect(bad.issues.map((i) => i.path)).toEqual(['cache.other', 'cache.dir', 'cache.max-size', 'cache.enabled']);
  });

  it('a plain number for verify.timeout is milliseconds, as --timeout', () => {
    expect(validateConfig({ verify: { timeout: 1500 } }, { knownRules }).config.verify.timeout).toBe(1500);
  });

  it('reports every problem in every section at once, with dotted paths', () => {
    const { issues } = validateConfig(
      {
        inspect: { 'max-size': 'huge', 'min-efficiency': '150%', 'fail-on-lever': ['strip-symbols', 'no-such'], extra: 1 },
        verify: { timeout: '1h', probe: 'http://example.com/', sandbox: 'docker', run: 'yes', args: [1] },
        build: { platforms: ['amd64'], 'gzip-level': 12, ports: ['http'], env: ['NOEQUALS'], labels: [] },
        registries: { insecure: ['not a host'], 'request-timeout': 'soon', 'min-rate': 'slow' },
        lint: { disable: ['G999'] },
      },
      { knownRules },
    );
    expect(issues.map((i) => i.path)).toEqual([
      'inspect.extra',
      'inspect.max-size',
      'inspect.min-efficiency',
      'inspect.fail-on-lever[1]',
      'verify.run',
      'verify.timeout',
      'verify.probe',
      'verify.sandbox',
      'verify.args[0]',
      'build.platforms[0]',
      'build.gzip-level',
      'build.ports[0]',
      'build.env[0]',
      'build.labels',
      'registries.insecure[0]',
      'registries.request-timeout',
      'registries.min-rate',
      'lint.disable[0]',
    ]);
  });

  it('a section that is not a mapping is one issue', () => {
    expect(validateConfig({ verify: 'yes', build: [1] }, { knownRules }).issues.map((i) => i.path)).toEqual(['verify', 'build']);
  });
});

describe('cost: and compare: sections (issue 14)', () => {
  it('reads the cost model and the compare budgets', () => {
    const { config, issues } = validateConfig(
      { cost: { bandwidth: '1Gbit', nodes: 12, 'kept-tags': '5' }, compare: { 'max-growth': '2%', 'fail-on-new-lever': true } },
      { knownRules },
    );
    expect(issues).toEqual([]);
    expect(config.cost).toEqual({ bandwidth: 1e9, nodes: 12, keptTags: 5 });
    expect(config.compare).toEqual({ maxGrowth: '2%', failOnNewLever: true });
  });

  it('reports every problem with its dotted path', () => {
    const { issues } = validateConfig(
      { cost: { bandwidth: 'fast', nodes: 0, 'kept-tags': [], extra: 1 }, compare: { 'max-growth': 'lots', 'fail-on-new-lever': 'yes' } },
      { knownRules },
    );
    expect(issues.map((i) => i.path)).toEqual(['cost.extra', 'cost.bandwidth', 'cost.nodes', 'cost.kept-tags', 'compare.max-growth', 'compare.fail-on-new-lever']);
  });
});
