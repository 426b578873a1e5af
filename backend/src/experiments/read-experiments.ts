/** Queries: one experiment, a list of them, the running ones. */
import { notFound } from '../core/errors.ts';
import type { Experiment, ExperimentQuery, ExperimentStore } from './experiment-store.ts';
import { toView, type ExperimentView } from './experiment-view.ts';

export class ReadExperiments {
  private readonly rows: ExperimentStore;

  constructor(rows: ExperimentStore) {
    this.rows = rows;
  }

  async find(id: string): Promise<Experiment> {
    const e = await this.rows.find(id);
    if (!e) throw notFound(`experiment "${id}" not found; see GET /api/v1/experiments`);
    return e;
  }

  async get(id: string): Promise<ExperimentView> {
    return toView(await this.find(id));
  }

  async list(q: ExperimentQuery = {}): Promise<ExperimentView[]> {
    return (await this.rows.list(q)).map(toView);
  }

  running(): Promise<Experiment[]> {
    return this.rows.running();
  }
}
