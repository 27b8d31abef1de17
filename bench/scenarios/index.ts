// Every scenario, in the order a full run takes them.
import { blobs } from './blobs.ts';
import { capacity } from './capacity.ts';
import { chat } from './chat.ts';
import { cluster } from './cluster.ts';
import { connect } from './connect.ts';
import { drain } from './drain.ts';
import { idle, idleContacts, idleMax } from './idle.ts';
import { realChat } from './realChat.ts';
import { sdk } from './sdk.ts';
import { storm } from './storm.ts';
import { throughput } from './throughput.ts';
import type { Scenario } from './types.ts';
import { typing } from './typing.ts';

export const SCENARIOS: readonly Scenario[] = [
  connect,
  storm,
  chat,
  realChat,
  throughput,
  capacity,
  typing,
  cluster,
  drain,
  sdk,
  idle,
  idleContacts,
  idleMax,
  blobs,
];
