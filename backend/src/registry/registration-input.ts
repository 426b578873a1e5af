import { invalid } from '../core/errors.ts';
import { parseProfile } from '../core/profile-schema.ts';
import type { ReferenceProfile } from '../core/profile-types.ts';
import { describeZodError } from '../core/zod-errors.ts';
import type { Model } from '../models/model-schemas.ts';
import type { StagedArtifact } from './artifact-store.ts';
import { buildProfile } from '../stats/profile.ts';
import type { RegisterVersionMeta } from './version-schemas.ts';

const BASE64 = /^[A-Za-z0-9+/\-_]+={0,2}$/;

export const isStaged = (artifact: Uint8Array | string | StagedArtifact | undefined): artifact is StagedArtifact =>
  typeof artifact === 'object' && !(artifact instanceof Uint8Array);

/** The artifact as staged (an upload on disk, refused when empty) or as bytes (decodeArtifact). */
export function artifactSource(artifact: Uint8Array | string | StagedArtifact | undefined): StagedArtifact | Uint8Array {
  if (!isStaged(artifact)) return decodeArtifact(artifact);
  if (artifact.sizeBytes === 0) throw invalid('artifact: the file is empty');
  return artifact;
}

/** The ONNX file from raw bytes or base64 text (JSON bodies, and in-process callers). */
export function decodeArtifact(artifact: Uint8Array | string | undefined): Uint8Array {
  const missing = 'artifact: missing; send the ONNX file base64-encoded in "artifact" (JSON) or as the file field "artifact" (multipart/form-data)';
  if (artifact === undefined) throw invalid(missing);
  if (typeof artifact !== 'string') {
    if (artifact.byteLength === 0) throw invalid('artifact: the file is empty');
    return artifact;
  }
  const text = artifact.replace(/\s+/g, '');
  if (!text) throw invalid(missing);
  if (!BASE64.test(text)) throw invalid('artifact: not valid base64 (expected the ONNX file, base64-encoded)');
  const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  if (bytes.byteLength === 0) throw invalid('artifact: decodes to an empty file');
  return bytes;
}

/** The version's reference profile: built from rows, or given (checked against the model's features). */
export function referenceProfile(model: Model, reference: RegisterVersionMeta['reference']): ReferenceProfile | undefined {
  if (!reference) return undefined;
  if ('rows' in reference) return buildProfile(reference.rows, model.features, { source: 'rows' });
  const parsed = parseProfile(reference.profile);
  if (!parsed.success) throw invalid(describeZodError(parsed.error, 'reference.profile'));
  const profile = parsed.data;
  const declared = new Map(model.features.map((f) => [f.name, f.type]));
  profile.features.forEach((feature, i) => {
    const type = declared.get(feature.name);
    if (!type) throw invalid(`reference.profile.features[${i}].name: "${feature.name}" is not a declared feature of model "${model.name}"`);
    if (type !== feature.type) throw invalid(`reference.profile.features[${i}].type: "${feature.name}" is declared ${type}, the profile says ${feature.type}`);
  });
  return profile;
}
