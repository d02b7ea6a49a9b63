/**
 * The webview's handle on its host. `acquireVsCodeApi` may be called only once per page,
 * so it is wrapped here and passed around.
 */
import type { WebviewToHostMessage } from '../../src/protocol/review';

export interface VsCodeApi {
  postMessage(message: WebviewToHostMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export function connectToHost(): VsCodeApi {
  if (typeof acquireVsCodeApi !== 'function') {
    throw new Error('The review panel must run inside a VS Code webview (acquireVsCodeApi is missing).');
  }
  return acquireVsCodeApi();
}
