// The stream scripts of redis.ts, each loaded once per connection (EVALSHA, _script.ts).
import * as lua from './_lua.ts';
import { Script } from './_script.ts';

export const SCRIPTS = {
  append: new Script(lua.APPEND),
  readAfter: new Script(lua.READ_AFTER),
  head: new Script(lua.HEAD),
  touch: new Script(lua.TOUCH),
  ack: new Script(lua.ACK),
  tidy: new Script(lua.TIDY),
  ensureEpoch: new Script(lua.ENSURE_EPOCH),
  releaseLock: new Script(lua.RELEASE_LOCK),
};
