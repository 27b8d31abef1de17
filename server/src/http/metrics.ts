// Counters and gauges for /metrics (Prometheus text exposition 0.0.4) and /stats. Label values come
// from closed sets (frame types, error codes), never from client input, so cardinality is bounded.

type Kind = 'counter' | 'gauge';

interface Family {
  readonly name: string;
  readonly help: string;
  readonly kind: Kind;
  readonly label?: string;
  readonly values: Map<string, number>;
}

const DEFS = {
  connections_opened_total: ['counter', 'WebSocket connections opened'],
  connections_closed_total: ['counter', 'WebSocket connections closed'],
  connections_rejected_total: ['counter', 'upgrades or sockets refused, by reason', 'reason'],
  auth_success_total: ['counter', 'successful authentications'],
  auth_failures_total: ['counter', 'failed authentications, by error code', 'code'],
  frames_in_total: ['counter', 'client frames received, by type', 'type'],
  frames_out_total: ['counter', 'server frames sent, by type', 'type'],
  bytes_in_total: ['counter', 'WebSocket payload bytes received'],
  bytes_out_total: ['counter', 'WebSocket payload bytes sent'],
  errors_total: ['counter', 'error frames sent, by code', 'code'],
  envelopes_routed_total: ['counter', 'envelopes accepted for routing, by kind (stored|ephemeral)', 'kind'],
  envelopes_duplicate_total: ['counter', 'sends whose id the recipient stream already held'],
  delivered_notices_total: ['counter', 'delivered notices appended to sender streams'],
  invitations_total: ['counter', 'invitation events, by status', 'status'],
  replayed_entries_total: ['counter', 'stream entries sent from the store (replay and catch-up)'],
  backpressure_pauses_total: ['counter', 'times a socket stream was paused until drain'],
  send_dropped_total: ['counter', 'frames uWS dropped because a socket hit its backpressure limit'],
  rate_limited_total: ['counter', 'requests refused by a token bucket, by bucket (action, action_ip)', 'bucket'],
  store_errors_total: ['counter', 'store operations that failed', 'op'],
  feed_gaps_total: ['counter', 'live stream entries that arrived ahead of a missing one (caught up from the store)'],
  bus_messages_total: ['counter', 'Redis bus messages, by event (published|publish_failed|received|malformed)', 'event'],
  bus_reconnects_total: ['counter', 'times the Redis bus subscriber came back and resynchronised its sockets'],
  presence_reaped_total: ['counter', 'identities of crashed instances this instance cleaned up'],
  http_requests_total: ['counter', 'HTTP requests, by route', 'route'],
  // attachments (server/src/blobs/)
  blobs_created_total: ['counter', 'blobs created (uploads started)'],
  blobs_completed_total: ['counter', 'blobs whose every part arrived'],
  blob_bytes_in_total: ['counter', 'blob part bytes stored'],
  blob_bytes_out_total: ['counter', 'blob bytes sent to downloads'],
  // Web Push (server/src/push/, docs/operations.md "Web Push")
  push_sends_total: [
    'counter',
    'pushes by outcome (sent|gone|rate_limited|server_error|rejected|timeout|network|online|queue_full|intake_full)',
    'outcome',
  ],
  push_coalesced_total: ['counter', 'entries merged into a push already waiting or in flight for the device'],
  push_payloads_total: ['counter', 'pushes by payload (boxes: end-to-end boxes; wakeup: empty)', 'payload'],
  push_subscriptions_total: ['counter', 'subscription changes (subscribe|unsubscribe|gone|refused)', 'op'],
} as const satisfies Record<string, readonly [Kind, string, string?]>;

export type MetricName = keyof typeof DEFS;

export interface GaugeSample {
  readonly name: string;
  readonly help: string;
  readonly value: number;
}

export class Metrics {
  private readonly families = new Map<MetricName, Family>();

  constructor() {
    for (const [name, def] of Object.entries(DEFS) as [MetricName, readonly [Kind, string, string?]][]) {
      const family: Family = { name, kind: def[0], help: def[1], values: new Map() };
      this.families.set(name, def[2] ? { ...family, label: def[2] } : family);
    }
  }

  inc(name: MetricName, labelValue = '', by = 1): void {
    const f = this.families.get(name)!;
    f.values.set(labelValue, (f.values.get(labelValue) ?? 0) + by);
  }

  get(name: MetricName, labelValue = ''): number {
    return this.families.get(name)!.values.get(labelValue) ?? 0;
  }

  /** Sum over every label value. */
  total(name: MetricName): number {
    let n = 0;
    for (const v of this.families.get(name)!.values.values()) n += v;
    return n;
  }

  /** Prometheus text; gauges are sampled by the caller at scrape time. */
  render(gauges: readonly GaugeSample[], prefix = 'sm_'): string {
    const lines: string[] = [];
    for (const f of this.families.values()) {
      const name = prefix + f.name;
      lines.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.kind}`);
      if (f.values.size === 0 && !f.label) lines.push(`${name} 0`);
      for (const [lv, value] of f.values) {
        lines.push(f.label ? `${name}{${f.label}="${escapeLabel(lv)}"} ${value}` : `${name} ${value}`);
      }
    }
    for (const g of gauges) {
      const name = prefix + g.name;
      lines.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${Number.isFinite(g.value) ? g.value : 0}`);
    }
    return lines.join('\n') + '\n';
  }
}

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
