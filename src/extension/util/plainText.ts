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
