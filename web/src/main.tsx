// Entry of the app shell. The SDK chunk (crypto included) starts downloading at once; meanwhile the
// app draws the chat list from IndexedDB (AppModel.boot). The service worker is registered from
// here (no inline script under CSP), once the app has started.
import { render } from 'preact';
import { IndexedDbStorage } from '../../client/indexedDbStorage.ts';
import { IndexedDbAttachmentCache } from '../../client/attachmentCache.ts';
import { loadEngine } from './api.ts';
import { answerOnScreenQuestions } from './lib/onScreen.ts';
import { AppModel, socketUrl } from './models/app.ts';
import { onLockChangeElsewhere } from './models/lock.ts';
import { UpdateModel } from './models/update.ts';
import { App } from './views/App.tsx';

void loadEngine();
// Another tab turned the app lock on or off: this tab's storage would read and write the old way.
onLockChangeElsewhere(() => location.reload());
answerOnScreenQuestions();

const app = new AppModel({
  loadEngine,
  url: socketUrl(),
  openStorage: async () => {
    // Another tab upgraded the database: this one must reload onto the new version.
    const storage = await IndexedDbStorage.open({ onVersionChange: () => location.reload() });
    return {
      storage,
      lock: storage,
      destroy: async () => {
        storage.close();
        await IndexedDbStorage.destroy(storage.name);
        await IndexedDbAttachmentCache.destroy();
      },
    };
  },
});
const update = new UpdateModel();

render(<App value={{ app, update }} />, document.getElementById('app')!);
// Registered once the app is up: installing the worker precaches every asset, which on a slow link
// would share it with the SDK and crypto chunks the start is waiting for.
void app
  .boot()
  .then(() => update.register())
  .catch((err: unknown) => console.warn('service worker registration failed', err));
