/**
 * The status page checks of the demo test: `meshlb ui` as a child process against the demo
 * sandbox, Debian's chromium driven by playwright-core. Kept apart from the walk-through so
 * the test file reads as the user's session, step by step.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { expect } from 'vitest';
import { meshlbBin } from '../../lib/repo.js';

const CHROMIUM = '/usr/bin/chromium';

/** Why the browser checks cannot run here, or undefined when they can. */
export const chromiumMissing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;

export interface StatusPage {
  readonly url: string;
  readonly browser: Browser;
  close(): Promise<void>;
}

function waitForUrl(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /status page: (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`meshlb ui exited with ${code}: ${out}`)));
  });
}

/** `meshlb ui --dir DIR --port 0` and a headless chromium; close() stops both. */
export async function openStatusPage(dir: string): Promise<StatusPage> {
  const ui = spawn(process.execPath, [meshlbBin, 'ui', '--dir', dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let browser: Browser | undefined;
  const close = async (): Promise<void> => {
    await browser?.close().catch(() => {});
    if (ui.exitCode === null && ui.signalCode === null) {
      const gone = new Promise((r) => ui.once('exit', r));
      ui.kill('SIGTERM');
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      ui.kill('SIGKILL');
    }
  };
  try {
    const url = await waitForUrl(ui);
    // Root has no user namespace sandbox for chromium here; the page is loopback-only.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    return { url, browser, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** The demo as the page must show it: the mesh, rebel-base per cluster, the pool, BGP and L2. */
export async function expectDemoOnPage(page: StatusPage, artifacts: string): Promise<void> {
  const tab = await page.browser.newPage({ viewport: { width: 1200, height: 900 } });
  // No reload while the test reads it (the refresh check reloads).
  await tab.goto(`${page.url}?refresh=0`);
  expect(await tab.title()).toBe('meshlb status');

  // The page shows what the agents answer at load time; reload until both have answered.
  const meshRows = async (): Promise<string[][]> => {
    await tab.reload();
    return (await tab.locator('#mesh tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(0, 5));
  };
  await expect
    .poll(meshRows, { timeout: 120_000, interval: 1_000 })
    .toEqual([
      ['c1', 'c1-node1', 'c2', 'connected', 'ready'],
      ['c2', 'c2-node1', 'c1', 'connected', 'ready'],
    ]);

  // c1 balances over both clusters; c2 has affinity local, so c1's backends are idle there.
  const rebels = await tab.locator('#global-services tbody tr').allInnerTexts();
  const seenBy = (c: string): string[] => rebels.find((r) => r.includes(`(${c}-node1)`))?.split('\t') ?? [];
  expect(seenBy('c1')).toEqual(['default/rebel-base', 'c1 (c1-node1)', '10.1.0.21\n10.1.0.22', '10.2.0.21\n10.2.0.22']);
  expect(seenBy('c2')).toEqual([
    'default/rebel-base',
    'c2 (c2-node1)',
    '10.1.0.21 (not in use)\n10.1.0.22 (not in use)',
    '10.2.0.21\n10.2.0.22',
  ]);

  const pools = await tab.locator('#pools tbody tr').allInnerTexts();
  expect(pools).toHaveLength(1);
  expect(pools[0]!.split('\t')).toEqual(['c1', 'empire', '198.51.100.0/28', '1', '15', 'ok', expect.stringMatching(/^default\/deathstar 198\.51\.100\.\d+$/)]);

  // BGP and L2 are per-node sections whatever their state: one row per agent at least.
  for (const id of ['#bgp-peers', '#l2-announcements']) {
    const text = await tab.locator(`${id} tbody`).innerText();
    expect(text).toContain('c1-node1');
    expect(text).toContain('c2-node1');
  }

  const shot = join(artifacts, 'status-page.png');
  await tab.screenshot({ path: shot, fullPage: true });
  const png = await readFile(shot);
  expect(png.subarray(1, 4).toString()).toBe('PNG');
  console.log(`status page screenshot: ${shot}`);
  await tab.close();
}

/** The page reloads itself (meta refresh): a new load brings a new snapshot time. */
export async function expectSelfRefresh(page: StatusPage): Promise<void> {
  const tab = await page.browser.newPage();
  await tab.goto(page.url);
  const first = await tab.locator('.stamp').innerText();
  await tab.waitForEvent('load', { timeout: 30_000 });
  await expect.poll(() => tab.locator('.stamp').innerText(), { timeout: 30_000 }).not.toBe(first);
  await tab.close();
}
