import type { AirlockApi } from './contract.js';

/** `window.airlock`, declared once; the renderer imports this file for the type only. */
declare global {
  interface Window {
    airlock: AirlockApi;
  }
}

export {};
