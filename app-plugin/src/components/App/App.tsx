import React from 'react';
import { Route, Routes } from 'react-router-dom';
import { AppRootProps } from '@grafana/data';

function App(_props: AppRootProps) {
  return (
    <Routes>
      <Route path="*" element={<div>ModelWatch</div>} />
    </Routes>
  );
}

export default App;
