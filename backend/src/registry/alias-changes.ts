import type { Aliases } from './version-store.ts';

/** Where the registry announces an alias change it committed itself (the router follows). */
export interface AliasAnnouncer {
  announce(model: string, aliases: Aliases): void;
}

export type AliasListener = (model: string, aliases: Aliases) => void;

/**
 * The alias-change channel: made before the registry, which announces on it; serving, built
 * after the registry, subscribes. So the registry never needs to know who listens.
 */
export class AliasChanges implements AliasAnnouncer {
  private readonly listeners: AliasListener[] = [];

  subscribe(listener: AliasListener): void {
    this.listeners.push(listener);
  }

  announce(model: string, aliases: Aliases): void {
    for (const listener of this.listeners) listener(model, aliases);
  }
}
