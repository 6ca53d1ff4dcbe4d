// Opens a report page in headless Chromium (Debian's package, driven by
// playwright-core; nothing downloaded), waits for every chart to render,
// hovers the first outage and saves a screenshot. Used by the e2e tests.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env["NODROP_CHROMIUM"] ?? "/usr/bin/chromium";

export interface ChartSeen {
  series: string[];
  marksDrawn: number;
  outagesDrawn: number;
  windowsDrawn: number;
  /** The chart's own count of outages and marks in its data. */
  outages: number;
  marks: number;
  error: string | null;
}

export interface PageCheck {
  title: string;
  charts: ChartSeen[];
  /** The tooltip's text after hovering the first outage of the first chart that has one (null: no outage). */
  outageTip: string | null;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
}

/** Opens a local page in headless Chromium, refusing every request but the file, and hands it to `use` with the page's console errors. */
export async function withLocalPage<T>(file: string, use: (page: Page, errors: string[]) => Promise<T>): Promise<T> {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: run 'bash clusters/tools/install.sh browser' (Debian's chromium package)`);
  // --no-sandbox: the tests run as root. No network is used: the page is a local file with everything inlined.
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox", "--disable-gpu"] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("pageerror", (e) => errors.push(e.message));
    // Nothing off this machine: refuse any request that is not the file itself.
    await page.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
    await page.goto(pathToFileURL(file).href);
    return await use(page, errors);
  } finally {
    await browser.close();
  }
}

export async function checkReportPage(file: string, screenshot: string): Promise<PageCheck> {
  return withLocalPage(file, async (page, errors) => {
    // (Page code is given as text: this project's TypeScript has no DOM types.)
    await page.waitForFunction(`[...document.querySelectorAll(".nodrop-chart")].every((el) => el.hasAttribute("data-rendered") || el.hasAttribute("data-error"))`, undefined, { timeout: 15_000 });
    const charts = await page.$$eval(".nodrop-chart", (els) =>
      els.map((el) => ({
        series: (el.getAttribute("data-series") ?? "").split("|").filter(Boolean),
        marksDrawn: Number(el.getAttribute("data-marks-drawn")),
        outagesDrawn: Number(el.getAttribute("data-outages-drawn")),
        windowsDrawn: Number(el.getAttribute("data-windows-drawn")),
        outages: Number(el.getAttribute("data-outages")),
        marks: Number(el.getAttribute("data-marks")),
        error: el.getAttribute("data-error"),
      })),
    );
    const outageTip = await hoverFirstOutage(page);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { title: await page.title(), charts, outageTip, errors };
  });
}

export type Page = Awaited<ReturnType<Awaited<ReturnType<typeof chromium.launch>>["newPage"]>>;

/** Moves the mouse to the middle of the first outage band; returns the tooltip's text. */
async function hoverFirstOutage(page: Page): Promise<string | null> {
  const at = (await page.evaluate(`(() => {
    const charts = window.nodropCharts;
    for (const u of charts) {
      const el = u.root.closest(".nodrop-chart");
      const o = JSON.parse(el.querySelector("script[type='application/json']").textContent).outages[0];
      if (!o) continue;
      el.scrollIntoView();
      const r = u.over.getBoundingClientRect();
      return { x: r.left + u.valToPos((o.start + o.end) / 2, "x"), y: r.top + r.height / 2, index: charts.indexOf(u) };
    }
    return null;
  })()`)) as { x: number; y: number; index: number } | null;
  if (!at) return null;
  await page.mouse.move(at.x, at.y);
  const tip = page.locator(".nodrop-chart .tip").nth(at.index);
  await tip.waitFor({ state: "visible", timeout: 5000 });
  return tip.innerText();
}
