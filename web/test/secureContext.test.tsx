// @vitest-environment happy-dom
// The banner a page without a secure context shows (a phone on plain http over the LAN).
import { render } from 'preact';
import { describe, expect, it } from 'vitest';
import { SecureContextNotice } from '../src/models/secureContext.ts';
import { SecureContextBanner } from '../src/views/SecureContextBanner.tsx';
import { memoryKeyValue } from './helpers.ts';

function mount(notice: SecureContextNotice): HTMLElement {
  const root = document.createElement('div');
  document.body.append(root);
  render(<SecureContextBanner notice={notice} />, root);
  return root;
}

describe('SecureContextBanner', () => {
  it('says what is lost without a secure context, and goes away for good when dismissed', async () => {
    const kv = memoryKeyValue();
    const notice = new SecureContextNotice({ secure: false, kv });
    const root = mount(notice);
    const banner = root.querySelector('[data-testid="insecure-banner"]');
    expect(banner?.textContent).toMatch(/offline/);
    for (const cost of ['install', 'copy', 'notifications']) expect(banner?.textContent).toContain(cost);
    (root.querySelector('[data-testid="insecure-dismiss"]') as HTMLButtonElement).click();
    await Promise.resolve();
    expect(root.querySelector('[data-testid="insecure-banner"]')).toBeNull();
    // The next visit from this device remembers it.
    expect(mount(new SecureContextNotice({ secure: false, kv })).querySelector('[data-testid="insecure-banner"]')).toBeNull();
  });

  it('shows nothing in a secure context', () => {
    expect(mount(new SecureContextNotice({ secure: true, kv: memoryKeyValue() })).innerHTML).toBe('');
  });
});
