// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { parseRoute, Router, routePath, type Route } from '../src/models/router.ts';

const ID = '05' + 'c'.repeat(64);

describe('router', () => {
  afterEach(() => {
    location.hash = '';
  });

  it('parses and prints every route the same way', () => {
    const routes: Route[] = [
      { name: 'chats' },
      { name: 'chat', peer: ID },
      { name: 'contacts' },
      { name: 'add' },
      { name: 'add', id: ID },
      { name: 'settings' },
    ];
    for (const r of routes) expect(parseRoute(routePath(r))).toEqual(r);
    expect(parseRoute('')).toEqual({ name: 'chats' });
    expect(parseRoute('#/')).toEqual({ name: 'chats' });
    expect(parseRoute('#/chat/')).toEqual({ name: 'chats' });
  });

  it('turns malformed and unknown routes into notFound instead of throwing or opening an empty chat', () => {
    for (const hash of [
      '#/chat/%E0',
      '#/chat/garbage',
      `#/chat/${ID.toUpperCase()}`,
      `#/chat/${ID}/x`,
      '#/chat/%',
      '#/add/%E0%A4',
      '#/nonsense',
      '#/settings/x',
      '#/contacts/05',
    ]) {
      expect(() => parseRoute(hash), hash).not.toThrow();
      expect(parseRoute(hash), hash).toEqual({ name: 'notFound' });
    }
    // A percent-encoded but valid ID still opens its chat; the add form may be prefilled with anything decodable.
    expect(parseRoute(`#/chat/${encodeURIComponent(ID)}`)).toEqual({ name: 'chat', peer: ID });
    expect(parseRoute('#/add/hello%20there')).toEqual({ name: 'add', id: 'hello there' });
  });

  it('starts on a malformed link without throwing, and shows the not-found view', async () => {
    location.hash = '#/chat/%E0';
    const router = new Router(window as unknown as EventTarget & { location: Location });
    expect(router.route.value).toEqual({ name: 'notFound' });
    router.dispose();
    const { render, h } = await import('preact');
    const { NotFound } = await import('../src/views/NotFound.tsx');
    const root = document.createElement('div');
    render(h(NotFound, null), root);
    expect(root.querySelector('[data-testid="not-found"]')).not.toBeNull();
    expect(root.querySelector('a[href="#/"]')).not.toBeNull();
  });

  it('follows the location hash and goes where it is told', async () => {
    const router = new Router(window as unknown as EventTarget & { location: Location });
    router.go({ name: 'chat', peer: ID });
    expect(location.hash).toBe(`#/chat/${ID}`);
    // The router listened first, so it has seen each hashchange by the time this listener does.
    const hashChange = () => new Promise((r) => window.addEventListener('hashchange', r, { once: true }));
    let changed = hashChange();
    location.hash = '#/settings';
    await changed;
    expect(router.route.value).toEqual({ name: 'settings' });
    router.dispose();
    changed = hashChange();
    location.hash = '#/contacts';
    await changed;
    expect(router.route.value).toEqual({ name: 'settings' }); // disposed: no longer listening
  });
});
