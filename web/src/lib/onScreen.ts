// The service worker cannot see which chat a window shows: a window client's URL is the one the
// page was loaded with, without the hash the router changes. So the worker asks (push.ts
// `onScreen`), and the page answers with its route, over the MessageChannel port it was handed.
export const ON_SCREEN_QUESTION = 'sm-on-screen';

export function answerOnScreenQuestions(): void {
  navigator.serviceWorker?.addEventListener('message', (e: MessageEvent) => {
    if ((e.data as { type?: unknown } | null)?.type !== ON_SCREEN_QUESTION) return;
    e.ports[0]?.postMessage({ hash: location.hash, focused: document.hasFocus(), visible: document.visibilityState === 'visible' });
  });
}
