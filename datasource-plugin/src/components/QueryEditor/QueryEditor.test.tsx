import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { QueryEditor } from './QueryEditor';
import { testIds } from '../testIds';
import type { DataSource } from '../../datasource';
import type { MwQuery } from '../../types';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getTemplateSrv: () => ({ replace: (v: string) => v, getVariables: () => [{ name: 'model' }] }),
}));

function fakeDatasource() {
  return {
    api: {
      listModels: jest.fn().mockResolvedValue([{ name: 'ctr-model', task: 'binary_classification', features: [] }]),
      listVersions: jest.fn().mockResolvedValue([{ version: 'v1' }]),
      getModel: jest.fn().mockResolvedValue({ name: 'ctr-model', features: [{ name: 'age', type: 'numeric' }] }),
      listExperiments: jest
        .fn()
        .mockResolvedValue([{ id: 'exp-1', model: 'ctr-model', primaryMetric: 'ctr', arms: [] }]),
    },
  } as unknown as DataSource;
}

async function renderEditor(query: MwQuery) {
  const onChange = jest.fn();
  const onRunQuery = jest.fn();
  const datasource = fakeDatasource();
  render(<QueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={onRunQuery} />);
  // Let the option loaders settle.
  await act(() => Promise.resolve());
  return { onChange, onRunQuery, datasource };
}

describe('QueryEditor', () => {
  it('shows the KPI fields and loads models and versions of the chosen model', async () => {
    const { datasource } = await renderEditor({ refId: 'A', queryType: 'kpi', model: 'ctr-model', kpi: 'ctr' });
    expect(screen.getByTestId(testIds.queryEditor.kpi)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.arm)).toBeInTheDocument();
    await waitFor(() => expect(datasource.api.listVersions).toHaveBeenCalledWith('ctr-model'));
    expect(datasource.api.listModels).toHaveBeenCalled();
  });

  it('switches query type and runs the query', async () => {
    const { onChange, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'kpi' });
    fireEvent.click(screen.getByLabelText('Drift'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'A', queryType: 'drift' });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('shows drift fields: features, method and which value to plot', async () => {
    const { datasource } = await renderEditor({ refId: 'A', queryType: 'drift', model: 'ctr-model' });
    expect(screen.getByTestId(testIds.queryEditor.features)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.method)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.driftField)).toBeInTheDocument();
    await waitFor(() => expect(datasource.api.getModel).toHaveBeenCalledWith('ctr-model'));
  });

  it('shows data quality fields: version and features', async () => {
    const { datasource } = await renderEditor({ refId: 'A', queryType: 'dataQuality', model: 'ctr-model' });
    expect(screen.getByTestId(testIds.queryEditor.version)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.features)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.dataQualityField)).toBeInTheDocument();
    expect(screen.queryByTestId(testIds.queryEditor.method)).not.toBeInTheDocument();
    await waitFor(() => expect(datasource.api.getModel).toHaveBeenCalledWith('ctr-model'));
  });

  it('shows experiment fields', async () => {
    const { datasource } = await renderEditor({ refId: 'A', queryType: 'experiment' });
    expect(screen.getByTestId(testIds.queryEditor.experiment)).toBeInTheDocument();
    expect(screen.getByTestId(testIds.queryEditor.experimentField)).toBeInTheDocument();
    await waitFor(() => expect(datasource.api.listExperiments).toHaveBeenCalled());
  });

  it('offers an optional model and a status for jobs', async () => {
    await renderEditor({ refId: 'A', queryType: 'jobs' });
    expect(screen.getByTestId(testIds.queryEditor.jobStatus)).toBeInTheDocument();
    expect(screen.getByPlaceholderText('All models')).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId(testIds.queryEditor.model)).toBeInTheDocument());
  });

  it('lists template variables and models when the model box opens', async () => {
    await renderEditor({ refId: 'A', queryType: 'kpi' });
    const input = screen.getByTestId(testIds.queryEditor.model);
    await waitFor(() => expect(input).not.toHaveAttribute('aria-busy', 'true'));
    fireEvent.click(input);
    fireEvent.change(input, { target: { value: 'ctr' } });
    expect(await screen.findByText('ctr-model')).toBeInTheDocument();
  });
});
