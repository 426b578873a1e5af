import React, { lazy, Suspense, useState } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { QueryClientProvider } from '@tanstack/react-query';
import { AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import { ROUTES } from '../../constants';
import { createQueryClient } from '../../data/queryClient';

const Models = lazy(() => import('../../pages/Models/Models'));
const ModelPage = lazy(() => import('../../pages/Model/Model'));
const Experiments = lazy(() => import('../../pages/Experiments/Experiments'));
const Jobs = lazy(() => import('../../pages/Jobs/Jobs'));
const Policies = lazy(() => import('../../pages/Policies/Policies'));

function App(_props: AppRootProps) {
  const [queryClient] = useState(createQueryClient);
  return (
    <QueryClientProvider client={queryClient}>
      <Suspense fallback={<LoadingPlaceholder text="Loading…" />}>
        <Routes>
          <Route path={ROUTES.Models} element={<Models />} />
          <Route path={ROUTES.Model} element={<ModelPage />} />
          <Route path={ROUTES.Experiments} element={<Experiments />} />
          <Route path={ROUTES.Jobs} element={<Jobs />} />
          <Route path={ROUTES.Policies} element={<Policies />} />
          <Route path="*" element={<Navigate to={ROUTES.Models} replace />} />
        </Routes>
      </Suspense>
    </QueryClientProvider>
  );
}

export default App;
