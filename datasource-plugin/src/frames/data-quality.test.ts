import type { DataQualityResponse, FeatureQuality, VersionDataQuality } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { dataQualityFrames, dataQualitySeries } from './data-quality';

const feature = (name: string, patch: Partial<FeatureQuality> = {}) =>
  partial<FeatureQuality>({
    feature: name,
    type: 'numeric',
    records: 500,
    missingRate: 0.02,
    outOfRangeRate: 0.1,
    unseenRate: null,
    typeErrorRate: 0,
    meanShiftSigmas: 1.5,
    flags: ['out_of_range'],
    ...patch,
  });

const version = (name: string, noTraffic = false) =>
  partial<VersionDataQuality>({
    version: name,
    records: 500,
    rejected: 3,
    features: [
      feature('price'),
      feature('country', {
        type: 'categorical',
        outOfRangeRate: null,
        unseenRate: 0.2,
        meanShiftSigmas: null,
        flags: ['unseen'],
      }),
    ],
    meanVectorDistance: 1.5,
    lastRecordAt: noTraffic ? null : '2026-01-01T00:01:00.000Z',
    secondsSinceLastRecord: noTraffic ? null : 42,
    noTraffic,
  });

const column = (frame: { fields: Array<{ name: string; values: unknown[] }> }, name: string) =>
  frame.fields.find((f) => f.name === name)!.values;

describe('dataQualityFrames', () => {
  it('makes a row per (version, feature) with the rates as percent, and a row per version with freshness', () => {
    const [perFeature, perVersion] = dataQualityFrames(
      'A',
      'm',
      partial<DataQualityResponse>({ versions: [version('v1'), version('v2', true)] })
    );
    expect(column(perFeature!, 'version')).toEqual(['v1', 'v1', 'v2', 'v2']);
    expect(column(perFeature!, 'feature')).toEqual(['price', 'country', 'price', 'country']);
    expect(column(perFeature!, 'outOfRangeRate')).toEqual([0.1, null, 0.1, null]);
    expect(column(perFeature!, 'unseenRate')).toEqual([null, 0.2, null, 0.2]);
    expect(column(perFeature!, 'flags')).toEqual(['out_of_range', 'unseen', 'out_of_range', 'unseen']);
    expect(perFeature!.fields.find((f) => f.name === 'missingRate')!.config.unit).toBe('percentunit');
    expect(column(perVersion!, 'lastRecordAt')).toEqual([Date.parse('2026-01-01T00:01:00.000Z'), null]);
    expect(column(perVersion!, 'noTraffic')).toEqual([0, 1]);
    expect(column(perVersion!, 'rejected')).toEqual([3, 3]);
  });

  it('keeps only the features asked for', () => {
    const [perFeature] = dataQualityFrames('A', 'm', partial<DataQualityResponse>({ versions: [version('v1')] }), [
      'country',
    ]);
    expect(column(perFeature!, 'feature')).toEqual(['country']);
  });
});

describe('dataQualitySeries', () => {
  const windowed = (name: string) =>
    partial<VersionDataQuality>({
      version: name,
      windows: [
        {
          ts: 2000,
          records: 10,
          rejected: 0,
          features: [
            partial({ feature: 'price', missingRate: 0.2, unseenRate: null, flags: [] }),
            partial({ feature: 'country', missingRate: 0, unseenRate: 0.5, flags: ['unseen'] }),
          ],
        },
        {
          ts: 1000,
          records: 0,
          rejected: 0,
          features: [
            partial({ feature: 'price', missingRate: null, unseenRate: null, flags: [] }),
            partial({ feature: 'country', missingRate: null, unseenRate: null, flags: [] }),
          ],
        },
      ],
    });

  it('makes one series per feature in time order; features the value does not apply to have none', () => {
    const missing = dataQualitySeries(
      'A',
      'm',
      partial<DataQualityResponse>({ versions: [windowed('v1')] }),
      'missingRate'
    );
    expect(missing.map((f) => f.name)).toEqual(['price', 'country']);
    expect(missing[0]!.fields[0]!.values).toEqual([1000, 2000]);
    expect(missing[0]!.fields[1]!.values).toEqual([null, 0.2]);
    expect(missing[0]!.fields[1]!.config.unit).toBe('percentunit');
    expect(missing[0]!.fields[1]!.labels).toEqual({ model: 'm', version: 'v1', feature: 'price' });
    const unseen = dataQualitySeries(
      'A',
      'm',
      partial<DataQualityResponse>({ versions: [windowed('v1')] }),
      'unseenRate'
    );
    expect(unseen.map((f) => f.name)).toEqual(['country']);
  });

  it('names the version when several are compared, and filters features', () => {
    const frames = dataQualitySeries(
      'A',
      'm',
      partial<DataQualityResponse>({ versions: [windowed('v1'), windowed('v2')] }),
      'missingRate',
      ['price']
    );
    expect(frames.map((f) => f.name)).toEqual(['v1 price', 'v2 price']);
  });
});
