import { execFile } from 'node:child_process';

/** One NVIDIA GPU as nvidia-smi reports it. */
export interface GpuInfo {
  index: number;
  name: string;
  memoryMiB: number | null;
}

export interface GpuDiscovery {
  gpus: GpuInfo[];
  /** How the list was obtained, or why it is empty (shown in errors and /jobs docs). */
  source: string;
}

/**
 * Parses `nvidia-smi --query-gpu=index,name,memory.total --format=csv,noheader`, e.g.
 * `0, NVIDIA H100 80GB HBM3, 81559 MiB`. Lines that do not parse are skipped.
 */
export function parseNvidiaSmi(text: string): GpuInfo[] {
  const gpus: GpuInfo[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const parts = line.split(',').map((p) => p.trim());
    if (parts.length < 2 || !/^\d+$/.test(parts[0]!)) continue;
    const memory = /^(\d+(?:\.\d+)?)\s*MiB$/i.exec(parts[parts.length - 1] ?? '');
    const name = parts.slice(1, memory ? -1 : undefined).join(', ');
    gpus.push({ index: Number(parts[0]), name, memoryMiB: memory ? Number(memory[1]) : null });
  }
  return gpus;
}

/**
 * Finds the GPUs of this machine. `override` (MODELWATCH_GPUS) wins: "none" for no GPUs, or
 * a list of indices "0,1". Otherwise nvidia-smi is asked; when it is absent or fails the
 * machine has zero GPUs (never an error: most machines have none).
 */
export async function discoverGpus(options: { override?: string | undefined; nvidiaSmi?: string; timeoutMs?: number } = {}): Promise<GpuDiscovery> {
  const override = options.override?.trim();
  if (override) {
    if (override.toLowerCase() === 'none') return { gpus: [], source: 'MODELWATCH_GPUS=none' };
    const indices = override.split(',').map((s) => s.trim()).filter(Boolean);
    if (indices.every((s) => /^\d+$/.test(s))) {
      return { gpus: [...new Set(indices.map(Number))].map((index) => ({ index, name: `GPU ${index}`, memoryMiB: null })), source: `MODELWATCH_GPUS=${override}` };
    }
  }
  const command = options.nvidiaSmi ?? 'nvidia-smi';
  return new Promise((resolve) => {
    execFile(
      command,
      ['--query-gpu=index,name,memory.total', '--format=csv,noheader'],
      { timeout: options.timeoutMs ?? 10_000, encoding: 'utf8' },
      (error, stdout) => {
        if (error) {
          const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
          resolve({ gpus: [], source: missing ? `${command} not found` : `${command} failed: ${error.message.split('\n')[0]}` });
          return;
        }
        const gpus = parseNvidiaSmi(stdout);
        resolve({ gpus, source: `${command} (${gpus.length} GPU${gpus.length === 1 ? '' : 's'})` });
      },
    );
  });
}

/**
 * GPU slots of this worker: each GPU has `slotsPerGpu` slots (1 by default, so two jobs never
 * share a GPU); a job asking for n GPUs gets n distinct GPUs, each with a free slot.
 */
export class GpuSlots {
  private readonly used = new Map<number, number>();
  readonly indices: readonly number[];
  readonly slotsPerGpu: number;

  constructor(indices: readonly number[], slotsPerGpu = 1) {
    this.indices = [...indices];
    this.slotsPerGpu = Math.max(1, Math.floor(slotsPerGpu));
    for (const i of indices) this.used.set(i, 0);
  }

  get count(): number {
    return this.indices.length;
  }

  /** How many distinct GPUs have a free slot: the most GPUs one job can get now. */
  freeGpus(): number {
    let n = 0;
    for (const used of this.used.values()) if (used < this.slotsPerGpu) n++;
    return n;
  }

  /** Takes n GPUs (least used first); undefined when fewer than n are free. */
  acquire(n: number): number[] | undefined {
    if (n <= 0) return [];
    const free = [...this.used.entries()].filter(([, used]) => used < this.slotsPerGpu).sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    if (free.length < n) return undefined;
    const chosen = free.slice(0, n).map(([index]) => index);
    for (const index of chosen) this.used.set(index, this.used.get(index)! + 1);
    return chosen.sort((a, b) => a - b);
  }

  release(indices: readonly number[]): void {
    for (const index of indices) {
      const used = this.used.get(index);
      if (used !== undefined && used > 0) this.used.set(index, used - 1);
    }
  }
}

/** This machine's GPUs, discovered once (`known`: given, as tests do, instead of asking). */
export class MachineGpus {
  private readonly override: string | undefined;
  private discovery: Promise<GpuDiscovery> | undefined;

  constructor(override: string | undefined, known?: GpuDiscovery) {
    this.override = override;
    if (known) this.discovery = Promise.resolve(known);
  }

  discover(): Promise<GpuDiscovery> {
    this.discovery ??= discoverGpus({ override: this.override });
    return this.discovery;
  }
}
