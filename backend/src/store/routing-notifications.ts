/**
 * Routing changes pushed between replicas (docs/operations.md, several replicas): after a
 * transaction that changes what a model serves (aliases, a running experiment) commits, the
 * service that committed it calls `notify(model)`, which sends `NOTIFY modelwatch_routing,
 * '<model>'`; every replica holds one dedicated listening connection (not from the pool, whose
 * connections come and go) and reloads that model's routing at once. Polling stays as the
 * fallback, and is the only mechanism on SQLite, where one process serves.
 */
import { sql } from 'kysely';
import pg from 'pg';
import type { Logger } from 'pino';
import type { Store } from './database.ts';

export const ROUTING_CHANNEL = 'modelwatch_routing';

/** What a service that committed a routing change calls, after the commit. */
export interface RoutingChanges {
  notify(model: string): void;
}

export interface RoutingSubscriber {
  /** The model's routing changed (on any replica, this one included). */
  changed(model: string): Promise<void>;
  /** Notifications may have been missed (the listener reconnected): re-read every model's routing. */
  resync(): Promise<void>;
}

/** What the composition root wires: senders notify, serving and the experiments subscribe. */
export interface RoutingChannel extends RoutingChanges {
  subscribe(subscriber: RoutingSubscriber): void;
}

export interface RoutingNotificationsOptions {
  store: Store;
  /** The PostgreSQL URL the listener connects to (undefined on SQLite: nothing is sent or heard). */
  databaseUrl: string | undefined;
  logger: Logger;
  /** Reconnect backoff: the first wait, doubled per failed attempt up to `maxRetryMs`. */
  minRetryMs?: number;
  maxRetryMs?: number;
}

export class RoutingNotifications implements RoutingChannel {
  private readonly options: RoutingNotificationsOptions;
  private readonly subscribers: RoutingSubscriber[] = [];
  private client: pg.Client | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private started = false;
  private closed = false;
  private readonly enabled: boolean;

  constructor(options: RoutingNotificationsOptions) {
    this.options = options;
    this.enabled = options.store.dialect === 'postgres' && !!options.databaseUrl;
  }

  subscribe(subscriber: RoutingSubscriber): void {
    this.subscribers.push(subscriber);
  }

  /** Sent on its own after the commit; if it fails, other replicas still see the change at their next poll. */
  notify(model: string): void {
    if (!this.enabled || this.closed) return;
    sql`select pg_notify(${ROUTING_CHANNEL}, ${model})`
      .execute(this.options.store.db)
      .catch((error: unknown) => this.options.logger.warn({ err: error, model }, 'routing change not notified; other replicas see it at their next router sync'));
  }

  /** Opens the listening connection; when that fails, retries in the background (start never fails on it). */
  async start(): Promise<void> {
    if (!this.enabled || this.started) return;
    this.started = true;
    await this.connect(false).catch((error: unknown) => this.lost(undefined, error));
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async connect(resync: boolean): Promise<void> {
    const client = new pg.Client({ connectionString: this.options.databaseUrl, connectionTimeoutMillis: 5000, application_name: 'modelwatch-routing-listener' });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('connection ended')));
    client.on('notification', ({ channel, payload }) => {
      if (channel === ROUTING_CHANNEL && payload) this.dispatch((s) => s.changed(payload));
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${ROUTING_CHANNEL}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.failures = 0;
    if (resync) {
      this.options.logger.info('routing listener reconnected; re-reading every model\'s routing');
      this.dispatch((s) => s.resync());
    }
  }

  /** The listening connection dropped (or could not be opened): reconnect after a backoff, then resync. */
  private lost(client: pg.Client | undefined, error: unknown): void {
    if (client && this.client !== client) {
      // Not (or no longer) the current one: a failed attempt's connect() rejects and plans the retry.
      return;
    }
    this.client = undefined;
    client?.end().catch(() => undefined);
    if (this.closed || this.retryTimer) return;
    const min = this.options.minRetryMs ?? 100;
    const wait = Math.min(this.options.maxRetryMs ?? 10_000, min * 2 ** this.failures);
    this.failures++;
    this.options.logger.warn({ err: error, retryInMs: wait }, 'routing listener disconnected; polling covers routing changes until it is back');
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.connect(true).catch((e: unknown) => this.lost(undefined, e));
    }, wait);
    this.retryTimer.unref();
  }

  private dispatch(call: (s: RoutingSubscriber) => Promise<void>): void {
    for (const s of this.subscribers) {
      call(s).catch((error: unknown) => this.options.logger.warn({ err: error }, 'applying a routing change failed; the next router sync retries'));
    }
  }
}
