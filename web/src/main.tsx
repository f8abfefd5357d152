import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './components/app.tsx';
import './styles.css';
import './forms.css';
import { adoptTokenFromHash } from './token-store.ts';

adoptTokenFromHash();
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
