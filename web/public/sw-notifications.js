// Imported by the generated service worker (vite.config.ts workbox.importScripts): a click on a
// notification focuses an open window of the app on the right screen, or opens one.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || '/', self.location.origin).href;
  const done = self.clients.matchAll({ type: 'window', includeUncontrolled: true }).then((list) => {
    for (const client of list) {
      if (new URL(client.url).origin === self.location.origin && 'navigate' in client) {
        // Navigate first: it needs no user activation, so the chat opens even where focus() is refused.
        return client.navigate(url).then((c) => (c || client).focus().catch(() => c || client));
      }
    }
    return self.clients.openWindow(url);
  });
  // The badge counts what is still on screen.
  done
    .then(() => self.registration.getNotifications())
    .then((n) => self.navigator.setAppBadge?.(n.length))
    .catch(() => undefined);
  try {
    event.waitUntil(done);
  } catch {
    // A script-dispatched event (the e2e test's click) cannot extend its lifetime; the work goes on.
  }
});
