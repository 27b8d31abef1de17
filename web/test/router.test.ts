// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { parseRoute, Router, routePath, type Route } from '../src/models/router.ts';

const ID = '05' + 'c'.repeat(64);

describe('router', () => {
  afterEach(() => {
    location.hash = '';
  });

  it('parses and prints every route the same way', () => {
    const routes: Route[] = [{ name: 'chats' }, { name: 'chat', peer: ID }, { name: 'contacts' }, { name: 'add' }, { name: 'add', id: ID }, { name: 'settings' }];
    for (const r of routes) expect(parseRoute(routePath(r))).toEqual(r);
    expect(parseRoute('#/nonsense')).toEqual({ name: 'chats' });
    expect(parseRoute('')).toEqual({ name: 'chats' });
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
