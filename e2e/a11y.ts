// The axe check every screen passes: WCAG 2.1 A/AA, no serious or critical violation (soft, so
// one run reports every screen); the violations are attached to the report.
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { expect } from './fixtures.ts';

export async function checkA11y(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) await testInfo.attach(`${name}-axe.json`, { body: JSON.stringify(bad, null, 2), contentType: 'application/json' });
  const found = bad.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`);
  expect.soft(found, `axe on ${name}`).toEqual([]);
}
