import type { Model } from '../models/model-schemas.ts';

/** The models the registry's use cases look up (ModelService); throws not_found for an unknown one. */
export interface ModelLookup {
  get(name: string): Promise<Model>;
}
