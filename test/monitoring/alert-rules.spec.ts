import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ALERT_RULES, PROMETHEUS_CONFIG, ROOT, alertRules, readYaml } from './monitoring-files.js';
import { promtool } from './promtool.js';

const UNIT_TESTS = join(ROOT, 'test/monitoring/alerts.test.yml');

/** GitHub's anchor of a Markdown heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

const anchorsOf = (path: string) =>
  new Set([...readFileSync(join(ROOT, path), 'utf8').matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1]!)));

describe('the alert rules (deploy/monitoring/prometheus/alerts.yml)', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'monitoring-rules-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('pass promtool check rules', async () => {
    const { code, output } = await promtool('check', 'rules', ALERT_RULES);
    expect(code, output).toBe(0);
    expect(output).toContain(`SUCCESS: ${alertRules().length} rules found`);
  });

  it('would fail promtool check rules with a broken expression (the check can fail)', async () => {
    const broken = join(scratch, 'alerts.yml');
    writeFileSync(broken, readFileSync(ALERT_RULES, 'utf8').replace('max(cqrs_projection_lag_seconds) > 30', 'max(cqrs_projection_lag_seconds > 30'));
    const { code, output } = await promtool('check', 'rules', broken);
    expect(code, output).not.toBe(0);
  });

  it('are loaded by prometheus.yml, which passes promtool check config', async () => {
    expect(readYaml(PROMETHEUS_CONFIG).rule_files).toEqual(['alerts.yml']);
    const { code, output } = await promtool('check', 'config', PROMETHEUS_CONFIG);
    expect(code, output).toBe(0);
    expect(output).toContain('SUCCESS: 1 rule files found');
  });

  it('would fail promtool check config if the rule file were missing beside it', async () => {
    copyFileSync(PROMETHEUS_CONFIG, join(scratch, 'prometheus.yml'));
    rmSync(join(scratch, 'alerts.yml'), { force: true });
    const { code } = await promtool('check', 'config', join(scratch, 'prometheus.yml'));
    expect(code).not.toBe(0);
  });

  it('fire and stay silent as the unit tests of test/monitoring/alerts.test.yml expect', async () => {
    const { code, output } = await promtool('test', 'rules', UNIT_TESTS);
    expect(code, output).toBe(0);
    const cases = (readYaml(UNIT_TESTS).tests as Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>).flatMap(
      (test) => test.alert_rule_test,
    );
    const firing = new Set(cases.filter((c) => c.exp_alerts.length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => c.exp_alerts.length === 0).map((c) => c.alertname));
    const both = [...firing].filter((name) => silent.has(name));
    expect(both.length, 'alerts tested both firing and not firing').toBeGreaterThanOrEqual(2);
  });

  it('give each alert a pending time, a severity, a summary, a description and a runbook in docs/operations.md', () => {
    const operations = anchorsOf('docs/operations.md');
    const rules = alertRules();
    expect(rules.map((rule) => rule.alert)).toEqual(
      expect.arrayContaining(['ProjectionLagHigh', 'ReplicaLagHigh', 'StoreBreakerOpen', 'RelayLagHigh', 'Http5xxRateHigh', 'ReaderHeldBackByOldTransaction']),
    );
    for (const rule of rules) {
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary, rule.alert).toBeTruthy();
      expect(rule.annotations?.description, rule.alert).toBeTruthy();
      const [path, anchor] = String(rule.annotations?.runbook_url).split('#');
      expect(path, rule.alert).toBe('docs/operations.md');
      expect([...operations], `${rule.alert}: #${anchor}`).toContain(anchor);
    }
  });

  it('are each explained in docs/monitoring.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/monitoring.md'), 'utf8');
    for (const rule of alertRules()) expect(doc, rule.alert).toMatch(new RegExp(`^#+ \`?${rule.alert}\`?`, 'm'));
  });
});
