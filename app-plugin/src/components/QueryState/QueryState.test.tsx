import React from 'react';
import { render, screen } from '@testing-library/react';
import { QueryState } from './QueryState';

describe('QueryState', () => {
  it('shows loading, then data', () => {
    const { rerender } = render(
      <QueryState query={{ isLoading: true, error: null }} what="models">
        {(d: string) => <p>{d}</p>}
      </QueryState>
    );
    expect(screen.getByText('Loading models…')).toBeInTheDocument();
    rerender(
      <QueryState query={{ isLoading: false, error: null, data: 'hello' }} what="models">
        {(d: string) => <p>{d}</p>}
      </QueryState>
    );
    expect(screen.getByText('hello')).toBeInTheDocument();
  });

  it('shows the backend error message', () => {
    render(
      <QueryState
        query={{ isLoading: false, error: { status: 404, data: { error: { message: 'model "x" does not exist' } } } }}
        what="model"
      >
        {() => null}
      </QueryState>
    );
    expect(screen.getByText('Could not load model')).toBeInTheDocument();
    expect(screen.getByText('model "x" does not exist (404)')).toBeInTheDocument();
  });
});
