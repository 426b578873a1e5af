import React from 'react';
import { render, screen } from '@testing-library/react';
import type { HealthReason, ModelHealth } from '@modelwatch/plugin-api';
import { partial } from '@modelwatch/plugin-api/testing';
import { HealthBadge, reasonText } from './HealthBadge';

describe('HealthBadge', () => {
  it('shows status and score', () => {
    render(
      <HealthBadge
        health={partial<ModelHealth>({ score: 0.42, status: 'failing', reasons: [{ message: 'CTR down 20%' }] })}
      />
    );
    expect(screen.getByText('Failing · 42%')).toBeInTheDocument();
  });

  it('shows unknown without data, and reads object reasons', () => {
    render(<HealthBadge />);
    expect(screen.getByText('Unknown')).toBeInTheDocument();
    expect(reasonText(partial<HealthReason>({ message: 'p99 600 ms' }))).toBe('p99 600 ms');
  });
});
