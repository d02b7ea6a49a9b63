/** What the agent entry points get from the extension. */
import type * as vscode from 'vscode';
import type { SandboxController } from '../sandbox/controller';
import type { Logger } from '../util/logger';

/** Run only through `controller.requireHealthy()` / `controller.run()`, so every entry point fails closed. */
export interface AgentEntryPointDeps {
  readonly controller: SandboxController;
  readonly logger: Logger;
  readonly extensionUri: vscode.Uri;
}
