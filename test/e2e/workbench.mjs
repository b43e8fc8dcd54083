// Driving the VS Code workbench (code-server in Chromium) through its DOM. Every helper
// waits for an explicit DOM state; none sleeps for a fixed time.
import path from 'node:path';

export const QUICK_INPUT = '.quick-input-widget';
const QUICK_ROW = '.quick-input-list .monaco-list-row';

/** Waits for the quick input to be closed (Escape first if it is open). */
export async function closeQuickInput(page) {
  const widget = page.locator(QUICK_INPUT);
  if (await widget.isVisible()) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden' });
  }
}

/**
 * Opens the command palette. F1 pressed while a webview holds keyboard focus may not reach the
 * workbench: then the active editor tab (or the side bar's title) is clicked to take focus back,
 * and F1 is pressed again.
 */
async function openPalette(page) {
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    try {
      await page.locator(QUICK_INPUT).waitFor({ state: 'visible', timeout: 5_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
    const tab = page.locator('.part.editor .tabs-container .tab.active').first();
    const title = page.locator('.part.sidebar .composite.title').first();
    if (await tab.isVisible()) await tab.click();
    else if (await title.isVisible()) await title.click();
  }
}

/**
 * Types `text` after the palette's '>' and waits for a row showing it. Keys typed while focus
 * is still on its way to the input are lost: then the input is filled with the whole text.
 * A palette that closed meanwhile (focus taken by a webview) is opened again.
 */
async function typeInPalette(page, text) {
  const input = page.locator(`${QUICK_INPUT} .quick-input-box input`).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.type(text);
    if (await input.isVisible()) {
      if ((await input.inputValue()) !== `>${text}`) await input.fill(`>${text}`);
      break;
    }
    if (attempt === 3) throw new Error(`the command palette closed while "${text}" was typed`);
    await openPalette(page);
  }
  await page.locator(QUICK_ROW, { hasText: text }).first().waitFor();
}

/** Runs a command by its palette title ("Kubepath: Trace Request"). */
export async function runCommand(page, title) {
  await closeQuickInput(page);
  await openPalette(page);
  // F1 already typed '>' and focused the box.
  await typeInPalette(page, title);
  // The list filters asynchronously: make sure the first row is the exact command.
  await page.locator(`${QUICK_ROW}[data-index="0"]`, { hasText: title }).waitFor();
  await page.keyboard.press('Enter');
}

/** Lists the palette rows matching `filter`. */
export async function paletteRows(page, filter) {
  await closeQuickInput(page);
  await openPalette(page);
  await typeInPalette(page, filter);
  const rows = await page.locator(`${QUICK_ROW} .label-name`).allInnerTexts();
  await closeQuickInput(page);
  return rows.map((r) => r.replace(/\s+/g, ' ').trim());
}

/** Picks the quick-pick row containing `text` (after the quick input opened). */
export async function pickQuickItem(page, text) {
  await page.locator(QUICK_INPUT).waitFor({ state: 'visible' });
  const row = page.locator(QUICK_ROW, { hasText: text }).first();
  await row.waitFor();
  await row.click();
}

/** Hides the bottom panel (Problems, Output) so editors show as many lines as possible. */
export async function hidePanel(page) {
  if (await page.locator('.part.panel').isVisible()) {
    await runCommand(page, 'View: Hide Panel');
    await page.locator('.part.panel').waitFor({ state: 'hidden' });
  }
}

/** Moves the cursor of the active editor to a 1-based line (Ctrl+G), so that line is rendered. */
export async function goToLine(page, line) {
  await closeQuickInput(page);
  await page.keyboard.press('Control+G');
  await page.locator(QUICK_INPUT).waitFor({ state: 'visible' });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.locator(QUICK_INPUT).waitFor({ state: 'hidden' });
}

/** Opens a workspace file with Quick Open (Ctrl+P) and waits for its editor to be active. */
export async function openFile(page, relativePath) {
  const base = path.basename(relativePath);
  await closeQuickInput(page);
  await page.keyboard.press('Control+P');
  await page.locator(QUICK_INPUT).waitFor({ state: 'visible' });
  await page.keyboard.type(relativePath);
  const row = page.locator(QUICK_ROW, { hasText: base }).filter({ hasText: path.dirname(relativePath) });
  await row.first().waitFor();
  // Click the matching row: Enter would take whichever row is focused while results still stream in.
  await row.first().click();
  await page.locator('.tabs-container .tab.active', { hasText: base }).waitFor();
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().waitFor();
}

/** The active editor's view-line that contains `text`. */
export function editorLine(page, text) {
  return page
    .locator('.editor-group-container.active .monaco-editor .view-lines .view-line', { hasText: text })
    .first();
}

/**
 * Hovers the token `token` on the first line containing `lineText`, with the real mouse, and
 * waits for a hover containing `expect`. The extension host may still be analysing: the
 * hover is re-triggered while waiting (bounded by `timeoutMs`).
 */
export async function hoverToken(page, lineText, token, expect, timeoutMs = 30_000) {
  const line = editorLine(page, lineText);
  await line.waitFor();
  const span = line.locator('span > span', { hasText: token }).first();
  await span.waitFor();
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: expect }).first();
  const end = Date.now() + timeoutMs;
  for (;;) {
    const box = await span.boundingBox();
    if (!box) throw new Error(`token "${token}" has no box`);
    await page.mouse.move(box.x + 1, box.y + box.height / 2);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    try {
      await hover.waitFor({ timeout: 4_000 });
      return (await hover.innerText()).replace(/\s+\n/g, '\n').trim();
    } catch (error) {
      if (Date.now() > end) throw error;
    }
    await page.mouse.move(0, 0);
    await page
      .locator('.monaco-hover:not(.hidden)')
      .waitFor({ state: 'detached', timeout: 2_000 })
      .catch(() => {});
  }
}

/** Clicks into the active editor at the start of `token` on the line containing `lineText`. */
export async function clickToken(page, lineText, token) {
  const span = editorLine(page, lineText).locator('span > span', { hasText: token }).first();
  await span.waitFor();
  const box = await span.boundingBox();
  await page.mouse.click(box.x + 2, box.y + box.height / 2);
}

/** Opens the Problems panel and returns its row texts once one contains `expect`. */
export async function problemsContaining(page, expect, timeoutMs = 30_000) {
  await runCommand(page, 'View: Focus Problems');
  const rows = page.locator('.markers-panel .monaco-list-row');
  await rows.filter({ hasText: expect }).first().waitFor({ timeout: timeoutMs });
  return (await rows.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
}

/** Waits until no Problems row contains `text`. */
export async function problemsWithout(page, text, timeoutMs = 30_000) {
  await runCommand(page, 'View: Focus Problems');
  await page
    .locator('.markers-panel .monaco-list-row', { hasText: text })
    .first()
    .waitFor({ state: 'detached', timeout: timeoutMs });
}

/** The document inside a webview: `iframe.webview.ready` → `iframe#active-frame`. */
export function webviewFrame(page, outerSelector = 'iframe.webview.ready') {
  return page.frameLocator(outerSelector).frameLocator('iframe#active-frame');
}

/** Text of visible notification toasts. */
export async function notificationTexts(page) {
  return page.locator('.notification-toast .notification-list-item-message').allInnerTexts();
}
