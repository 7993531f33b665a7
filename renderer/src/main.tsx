import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type {} from '../../main/ipc/window-global.js';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App api={window.airlock} />
    </StrictMode>,
  );
}
