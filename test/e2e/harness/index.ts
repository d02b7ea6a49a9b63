// The e2e harness: a real VS Code (code-server) in a real browser (chromium via
// playwright-core). Import everything from here; see test/e2e/README.md.
export { launchBrowser, chromiumArgs, type BrowserSession } from './browser';
export { closeQuickInput, openCommandPalette, pickQuickPickItem, runCommand } from './commands';
export { defaultUserSettings, ensureCodeServer, startCodeServer, type CodeServer, type CodeServerOptions } from './codeServer';
export { removeSandboxesUnder, STATE_LABEL } from './engineCleanup';
export { clearNotifications, clickNotificationButton, waitForNotification } from './notifications';
export { artifactsDir, artifactsRoot, repoRoot } from './paths';
export {
  E2E_BASE_IMAGE,
  openSandboxTerminal,
  prepareProductVsix,
  REVIEW_PANEL_TITLE,
  SANDBOX_START_TIMEOUT_MS,
  trustAndStartSandbox,
} from './product';
export { screenshot } from './screenshots';
export { startSession, withSession, type Session, type SessionOptions } from './session';
export {
  clickStatusBarItem,
  readStatusBarItem,
  statusBarItem,
  statusBarItemById,
  statusBarTexts,
  waitForStatusBarItemGone,
} from './statusBar';
export { openTerminal, readTerminalText, typeInTerminal, waitForTerminalText } from './terminal';
export { timeouts } from './timeouts';
export { declineTrust, isRestricted, trustWorkspace, waitForTrustDialog } from './trust';
export { buildFixtureExtensionVsix, packageExtension, type PackageOptions } from './vsix';
export { webviewFrame } from './webview';
export { escapeRegExp, exactly, openWorkbench } from './workbench';
