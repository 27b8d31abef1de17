// Every scenario, in the order a full run takes them.
import { blobs } from './blobs.ts';
import { chat } from './chat.ts';
import { connect } from './connect.ts';
import { drain } from './drain.ts';
import { idle, idleMax } from './idle.ts';
import { sdk } from './sdk.ts';
import { throughput } from './throughput.ts';
import type { Scenario } from './types.ts';
import { typing } from './typing.ts';

export const SCENARIOS: readonly Scenario[] = [connect, chat, throughput, typing, drain, sdk, idle, idleMax, blobs];
