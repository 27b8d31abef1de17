// @vitest-environment happy-dom
// Read and delivered must differ in shape and colour, and say which they are to a screen reader.
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import type { MessageStatus } from '../src/api.ts';
import { StatusTick } from '../src/views/chat/StatusTick.tsx';

function tick(status: MessageStatus, receiptsOn = true): HTMLElement {
  const root = document.createElement('div');
  render(<StatusTick status={status} receiptsOn={receiptsOn} />, root);
  return root.querySelector('[data-testid="message-status"]')!;
}

describe('StatusTick', () => {
  it('draws read and delivered as different shapes with different classes and labels', () => {
    const read = tick('read');
    const delivered = tick('delivered');
    expect(read.querySelector('path')!.getAttribute('d')).not.toBe(delivered.querySelector('path')!.getAttribute('d'));
    expect(read.className).toContain('tick-read');
    expect(delivered.className).toContain('tick-delivered');
    expect(read.getAttribute('role')).toBe('img');
    expect(read.getAttribute('aria-label')).toBe('Read');
    expect(delivered.getAttribute('aria-label')).toBe('Delivered');
    const labels = (['queued', 'sent', 'delivered', 'read', 'failed'] as const).map((s) => tick(s).getAttribute('aria-label'));
    expect(new Set(labels).size).toBe(5);
  });

  it('shows read as delivered while my own read receipts are off', () => {
    expect(tick('read', false).getAttribute('aria-label')).toBe('Delivered');
  });
});
