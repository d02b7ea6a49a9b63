/**
 * Every command id the extension registers. Registering or running one goes through
 * util/commands.ts, which takes only a `CommandId`, so an id that is not listed here does
 * not compile; the manifest test holds this list and package.json's `contributes.commands`
 * to each other both ways, and checks that activation registers each of them.
 */

/** The commands package.json contributes (the palette's), in its order. */
export const CONTRIBUTED_COMMANDS = [
  'agentSandbox.start',
  'agentSandbox.stop',
  'agentSandbox.reset',
  'agentSandbox.remove',
  'agentSandbox.toggle',
  'agentSandbox.runCommand',
  'agentSandbox.newTerminal',
  'agentSandbox.reviewChanges',
  'agentSandbox.applyApproved',
  'agentSandbox.discardAll',
  'agentSandbox.undoApply',
  'agentSandbox.showPolicy',
  'agentSandbox.openAuditLog',
  'agentSandbox.showNetworkLog',
  'agentSandbox.showLogs',
  'agentSandbox.refreshChanges',
  'agentSandbox.setUpAgent',
  'agentSandbox.removeAgentSetup',
  'agentSandbox.writeHookConfiguration',
  'agentSandbox.cancelPrepare',
  'agentSandbox.runAgent',
  'agentSandbox.approveChange',
  'agentSandbox.rejectChange',
  'agentSandbox.approveGroup',
  'agentSandbox.openInReviewPanel',
] as const;

/**
 * Commands only the extension's own UI runs (the status bar item's click, a click on a file in
 * the Source Control view); not in the manifest.
 */
export const INTERNAL_COMMANDS = ['agentSandbox.statusBarClicked', 'agentSandbox.scmOpenDiff'] as const;

export type CommandId = (typeof CONTRIBUTED_COMMANDS)[number] | (typeof INTERNAL_COMMANDS)[number];
