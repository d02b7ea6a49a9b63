// Notifications (toasts from showInformationMessage and friends).
import type { Locator, Page } from 'playwright-core';
import { timeouts } from './timeouts';

const toasts = '.notifications-toasts .notification-toast';

/** Waits for a notification toast whose message contains `text` and returns it. */
export async function waitForNotification(page: Page, text: string | RegExp, timeoutMs = timeouts.ui): Promise<Locator> {
  const toast = page
    .locator(toasts)
    .filter({ has: page.locator('.notification-list-item-message', { hasText: text }) })
    .first();
  try {
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator(`${toasts} .notification-list-item-message`).allInnerTexts();
    throw new Error(
      `no notification containing ${JSON.stringify(String(text))} within ${timeoutMs} ms; ` +
        `notifications shown: ${shown.map((s) => JSON.stringify(s)).join(', ') || '(none)'}`,
    );
  }
  return toast;
}

/** Clicks the button labelled `button` on the notification containing `text`. */
export async function clickNotificationButton(page: Page, text: string | RegExp, button: string): Promise<void> {
  const toast = await waitForNotification(page, text);
  const target = toast.getByRole('button', { name: button, exact: true });
  if ((await target.count()) === 0) {
    const buttons = await toast.getByRole('button').allInnerTexts();
    throw new Error(`notification ${JSON.stringify(String(text))} has no button "${button}"; buttons: ${buttons.join(', ') || '(none)'}`);
  }
  await target.first().click();
}

/** Closes every visible notification toast (so the next assertions see only new ones). */
export async function clearNotifications(page: Page): Promise<void> {
  const close = page.locator(`${toasts} .codicon-notifications-clear`);
  for (let attempt = 0; attempt < 20 && (await close.count()) > 0; attempt++) {
    await close
      .first()
      .click({ timeout: 2_000 })
      .catch(() => undefined);
  }
}
