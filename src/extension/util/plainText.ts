/**
 * Text from the sandbox (file names, paths in error messages) shown in a VS Code
 * notification or dialog. VS Code turns `[label](command:…)`, `[label](https://…)` and
 * `[label](file:…)` in a notification's message into a link that runs the command, with the
 * arguments in the link, when clicked; a file named like that would put a command of the
 * agent's choosing one click away under a label of its choosing. An invisible break between
 * `]` and `(` keeps every character as it reads and leaves no link. No `vscode`.
 */
export function plainForNotification(text: string): string {
  return text.replace(/\](?=\()/g, ']\u200b');
}

/**
 * A Markdown code block that shows `code` whole, whatever it holds. VS Code's own
 * `appendCodeblock` fences with three backticks, so a command holding a line of three
 * backticks would close the block and have the rest read as Markdown: a confirmation could
 * show less of a command, or other words, than what runs. The fence here is longer than any
 * run of backticks in the code (CommonMark closes a block only with a fence at least as long).
 */
export function fencedCodeBlock(code: string, language = ''): string {
  const longestRun = Math.max(0, ...(code.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `\n${fence}${language}\n${code}\n${fence}\n`;
}
