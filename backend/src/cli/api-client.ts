import type { Command } from 'commander';

/**
 * The CLI's HTTP client for the commands that talk to a running service (models, versions,
 * promote, rollback): `--url` (or MODELWATCH_URL, default http://127.0.0.1:8080) and
 * `--token` (or MODELWATCH_TOKEN). Errors carry the service's message; the exit code says
 * what kind (see ApiError.exitCode).
 */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }

  /** 3: refused (4xx: bad input, conflict, precondition); 4: auth; 5: the service failed or is unreachable. */
  get exitCode(): number {
    if (this.status === 401 || this.status === 403) return 4;
    if (this.status >= 400 && this.status < 500) return 3;
    return 5;
  }
}

export interface ClientOptions {
  url?: string;
  token?: string;
  json?: boolean;
}

export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string | undefined;

  constructor(options: ClientOptions, env: NodeJS.ProcessEnv = process.env) {
    this.baseUrl = (options.url ?? env.MODELWATCH_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
    this.token = options.token ?? env.MODELWATCH_TOKEN;
  }

  async request<T = any>(method: string, path: string, options: { json?: unknown; form?: FormData; headers?: Record<string, string> } = {}): Promise<T> {
    if (!this.token) throw new ApiError(401, 'unauthenticated', 'no token: pass --token or set MODELWATCH_TOKEN');
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, ...(options.headers ?? {}) };
    let body: string | FormData | undefined;
    if (options.form) body = options.form;
    else if (options.json !== undefined) {
      body = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    }
    let response: Response | undefined;
    // A kept-alive connection the server closed as it was reused fails before any reply: one
    // retry on a fresh connection (the request never reached the handler).
    for (let attempt = 0; !response; attempt++) {
      try {
        response = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
      } catch (error) {
        const cause = (error as { cause?: { code?: string } }).cause?.code;
        if (cause === 'ECONNRESET' && attempt === 0 && !options.form) continue;
        throw new ApiError(0, 'unreachable', `cannot reach ${this.baseUrl}${cause ? ` (${cause})` : ''}: is the service running? (--url or MODELWATCH_URL)`);
      }
    }
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    if (!response.ok) {
      const error = parsed?.error;
      throw new ApiError(response.status, error?.code ?? 'http_error', `${response.status} ${error?.message ?? text.slice(0, 500)}`);
    }
    return parsed as T;
  }
}

/** Adds --url, --token and --json to a command. */
export const withClientOptions = (command: Command): Command =>
  command
    .option('--url <url>', 'service URL (default: MODELWATCH_URL or http://127.0.0.1:8080)')
    .option('--token <token>', 'API token (default: MODELWATCH_TOKEN)')
    .option('--json', 'print the full JSON answer');

export const print = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

export const printJson = (value: unknown): void => print(JSON.stringify(value, null, 2));

/** Runs a command's action, turning API errors into a message on stderr and an exit code. */
export const action =
  <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
  async (...args: A): Promise<void> => {
    try {
      await fn(...args);
    } catch (error) {
      if (error instanceof ApiError) {
        process.stderr.write(`modelwatch: ${error.message}\n`);
        process.exit(error.exitCode);
      }
      throw error;
    }
  };
