/**
 * The status page in a real browser: a two-cluster sandbox with the demo seeded, `meshlb ui`
 * as a child process, Debian's chromium driven by playwright-core. Saves a screenshot and
 * prints its path (kept only with MESHLB_KEEP_ARTIFACTS=1, so runs leave nothing behind).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { meshlbBin } from '../../lib/repo.js';
import { startSandbox, type Sandbox } from '../mesh/sandbox-driver.js';

const CHROMIUM = '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium)`;
if (missing) console.log(`test/ui/status-page: skipped: ${missing}`);

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

describe.skipIf(missing !== undefined)('status page in headless chromium', () => {
  let sandbox: Sandbox | undefined;
  let ui: ChildProcess | undefined;
  let browser: Browser | undefined;
  let url = '';
  let artifacts = '';

  beforeAll(async () => {
    artifacts = await mkdtemp(join(tmpdir(), 'meshlb-ui-'));
    sandbox = await startSandbox(2);
    const seeded = await sandbox.meshlb('sandbox', 'demo', '--dir', sandbox.dir);
    expect(seeded.code, seeded.stderr).toBe(0);
    ui = spawn(process.execPath, [meshlbBin, 'ui', '--dir', sandbox.dir, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await waitForUrl(ui);
    // Root has no user namespace sandbox for chromium here; the page is loopback-only.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  }, 900_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    ui?.kill('SIGTERM');
    await sandbox?.down();
    if (process.env.MESHLB_KEEP_ARTIFACTS !== '1' && artifacts) await rm(artifacts, { recursive: true, force: true });
  });

  test('shows the connected mesh, rebel-base per cluster with affinity, the pool and the feature sections', async () => {
    const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
    // No reload while the test reads it (the refresh test below checks reloading).
    await page.goto(`${url}?refresh=0`);
    expect(await page.title()).toBe('meshlb status');

    // The page shows what the agents answer at load time; reload until both have answered.
    const meshRows = async (): Promise<string[][]> => {
      await page.reload();
      return (await page.locator('#mesh tbody tr').allInnerTexts()).map((r) => r.split('\t').slice(0, 5));
    };
    await expect
      .poll(meshRows, { timeout: 120_000, interval: 1_000 })
      .toEqual([
        ['c1', 'c1-node1', 'c2', 'connected', 'ready'],
        ['c2', 'c2-node1', 'c1', 'connected', 'ready'],
      ]);

    // c1 balances over both clusters; c2 has affinity local, so c1's backends are idle there.
    const rebels = await page.locator('#global-services tbody tr').allInnerTexts();
    const seenBy = (c: string): string[] => rebels.find((r) => r.includes(`(${c}-node1)`))?.split('\t') ?? [];
    expect(seenBy('c1')).toEqual(['default/rebel-base', 'c1 (c1-node1)', '10.1.0.21\n10.1.0.22', '10.2.0.21\n10.2.0.22']);
    expect(seenBy('c2')).toEqual([
      'default/rebel-base',
      'c2 (c2-node1)',
      '10.1.0.21 (not in use)\n10.1.0.22 (not in use)',
      '10.2.0.21\n10.2.0.22',
    ]);

    const pools = await page.locator('#pools tbody tr').allInnerTexts();
    expect(pools).toHaveLength(1);
    expect(pools[0]!.split('\t')).toEqual(['c1', 'empire', '198.51.100.0/28', '1', '15', 'ok', expect.stringMatching(/^default\/deathstar 198\.51\.100\.\d+$/)]);

    // BGP and L2 are per-node sections whatever their state: one row per agent at least.
    for (const id of ['#bgp-peers', '#l2-announcements']) {
      const text = await page.locator(`${id} tbody`).innerText();
      expect(text).toContain('c1-node1');
      expect(text).toContain('c2-node1');
    }

    const shot = join(artifacts, 'status-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    console.log(`status page screenshot: ${shot}`);
    await page.close();
  });

  test('refreshes itself', async () => {
    const page = await browser!.newPage();
    await page.goto(url);
    const first = await page.locator('.stamp').innerText();
    // The meta refresh reloads the page; a new load brings a new snapshot time.
    await page.waitForEvent('load', { timeout: 30_000 });
    await expect.poll(() => page.locator('.stamp').innerText(), { timeout: 30_000 }).not.toBe(first);
    await page.close();
  });
});
