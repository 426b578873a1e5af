import React, { ReactNode } from 'react';
import { Alert, LoadingPlaceholder } from '@grafana/ui';
import { errorMessage } from '../../api/client';

interface Props<T> {
  query: { data?: T; isLoading: boolean; error: unknown };
  /** What is being loaded, for the loading and error texts. */
  what: string;
  children: (data: T) => ReactNode;
}

/** Shows loading, an actionable error, or the data. */
export function QueryState<T>({ query, what, children }: Props<T>) {
  if (query.isLoading) {
    return <LoadingPlaceholder text={`Loading ${what}…`} />;
  }
  if (query.error) {
    return (
      <Alert severity="error" title={`Could not load ${what}`}>
        {errorMessage(query.error)}
      </Alert>
    );
  }
  if (query.data === undefined) {
    return null;
  }
  return <>{children(query.data)}</>;
}
