import React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import { VariableQueryEditor } from './VariableQueryEditor';
import { testIds } from '../testIds';
import type { DataSource } from '../../datasource';

describe('VariableQueryEditor', () => {
  const datasource = {} as DataSource;

  it('defaults to listing models, without a model box', () => {
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v' } as never}
        onChange={jest.fn()}
        onRunQuery={jest.fn()}
      />
    );
    expect(screen.getByLabelText('Models')).toBeChecked();
    expect(screen.queryByTestId(testIds.variableEditor.model)).not.toBeInTheDocument();
  });

  it('asks for a model when listing versions', () => {
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v', kind: 'versions' }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    const model = screen.getByTestId(testIds.variableEditor.model);
    fireEvent.change(model, { target: { value: '$model' } });
    fireEvent.blur(model);
    expect(onChange).toHaveBeenCalledWith({ refId: 'v', kind: 'versions', model: '$model' });
  });

  it('asks for an experiment when listing arms', () => {
    const onChange = jest.fn();
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v', kind: 'models' }}
        onChange={onChange}
        onRunQuery={jest.fn()}
      />
    );
    fireEvent.click(screen.getByLabelText('Arms'));
    expect(onChange).toHaveBeenCalledWith({ refId: 'v', kind: 'arms' });
  });
});
