import type { ModelSession } from './onnx-session.ts';

export type SessionStatus = 'loaded' | 'loading' | 'not_loaded' | 'failed';

interface Entry {
  status: Exclude<SessionStatus, 'not_loaded'>;
  session?: ModelSession;
  error?: string;
  loading?: Promise<ModelSession>;
}

const keyOf = (model: string, version: string): string => `${model}\u0000${version}`;

/**
 * Loaded ONNX sessions by (model, version). `get` is the hot path (one Map lookup); loads of
 * the same version are shared; a failed load is remembered with its reason (reported by
 * GET .../versions/{version}) until a later load succeeds.
 */
export class SessionPool {
  private readonly entries = new Map<string, Entry>();
  private readonly onChange: ((model: string, version: string, status: SessionStatus) => void) | undefined;

  constructor(onChange?: (model: string, version: string, status: SessionStatus) => void) {
    this.onChange = onChange;
  }

  get(model: string, version: string): ModelSession | undefined {
    return this.entries.get(keyOf(model, version))?.session;
  }

  status(model: string, version: string): { status: SessionStatus; error?: string; providers?: string[] } {
    const entry = this.entries.get(keyOf(model, version));
    if (!entry) return { status: 'not_loaded' };
    return {
      status: entry.status,
      ...(entry.error ? { error: entry.error } : {}),
      ...(entry.session ? { providers: entry.session.providers } : {}),
    };
  }

  put(model: string, version: string, session: ModelSession): void {
    const previous = this.entries.get(keyOf(model, version))?.session;
    this.entries.set(keyOf(model, version), { status: 'loaded', session });
    if (previous && previous !== session) void previous.release().catch(() => undefined);
    this.onChange?.(model, version, 'loaded');
  }

  /** Loads once; concurrent callers share the load. A failure is recorded and rethrown. */
  ensure(model: string, version: string, load: () => Promise<ModelSession>): Promise<ModelSession> {
    const key = keyOf(model, version);
    const entry = this.entries.get(key);
    if (entry?.session) return Promise.resolve(entry.session);
    if (entry?.loading) return entry.loading;
    const loading = load().then(
      (session) => {
        this.put(model, version, session);
        return session;
      },
      (error: unknown) => {
        this.entries.set(key, { status: 'failed', error: error instanceof Error ? error.message : String(error) });
        this.onChange?.(model, version, 'failed');
        throw error;
      },
    );
    this.entries.set(key, { status: 'loading', loading });
    this.onChange?.(model, version, 'loading');
    return loading;
  }

  /** Versions of the model this pool knows, whatever their status. */
  knownVersions(model: string): string[] {
    const prefix = `${model}\u0000`;
    return [...this.entries.keys()].filter((key) => key.startsWith(prefix)).map((key) => key.slice(prefix.length));
  }

  loadedVersions(model: string): string[] {
    const prefix = `${model}\u0000`;
    return [...this.entries].filter(([key, e]) => key.startsWith(prefix) && e.session).map(([key]) => key.slice(prefix.length));
  }

  async release(model: string, version: string): Promise<void> {
    const entry = this.entries.get(keyOf(model, version));
    this.entries.delete(keyOf(model, version));
    await entry?.session?.release().catch(() => undefined);
  }

  async releaseAll(): Promise<void> {
    const sessions = [...this.entries.values()].map((e) => e.session).filter((s): s is ModelSession => !!s);
    this.entries.clear();
    await Promise.all(sessions.map((s) => s.release().catch(() => undefined)));
  }
}
