// Opens history.html in headless Chromium (as report-check.ts does: Debian's
// package, nothing downloaded, no request leaves the file), waits for every
// chart to render, hovers a point and saves a screenshot.
import { withLocalPage, type Page } from "./report-check.ts";

export interface HistoryChartSeen {
  scenario: string;
  metric: string;
  nights: number;
  pointsDrawn: number;
  badDrawn: number;
  toolsDrawn: number;
  error: string | null;
}

export interface HistoryCheck {
  title: string;
  charts: HistoryChartSeen[];
  /** Per scenario, the run links of its table (newest night first) and whether each file exists is up to the caller. */
  links: Record<string, string[]>;
  /** The tooltip's text after hovering the last night of the first chart. */
  tip: string | null;
  errors: string[];
}

export async function checkHistoryPage(file: string, screenshot: string): Promise<HistoryCheck> {
  return withLocalPage(file, async (page, errors) => {
    await page.waitForFunction(`[...document.querySelectorAll(".nodrop-history")].every((el) => el.hasAttribute("data-rendered") || el.hasAttribute("data-error"))`, undefined, { timeout: 15_000 });
    const charts = (await page.evaluate(`[...document.querySelectorAll(".nodrop-history")].map((el) => ({
      scenario: el.closest("section").getAttribute("data-scenario"),
      metric: el.getAttribute("data-metric"),
      nights: Number(el.getAttribute("data-nights")),
      pointsDrawn: Number(el.getAttribute("data-points-drawn")),
      badDrawn: Number(el.getAttribute("data-bad-drawn")),
      toolsDrawn: Number(el.getAttribute("data-tools-drawn")),
      error: el.getAttribute("data-error"),
    }))`)) as HistoryChartSeen[];
    const links = (await page.evaluate(`Object.fromEntries([...document.querySelectorAll("section.scenario")].map((s) => [s.getAttribute("data-scenario"), [...s.querySelectorAll("tbody a")].map((a) => a.href)]))`)) as Record<string, string[]>;
    const tip = await hoverLastNight(page);
    await page.screenshot({ path: screenshot, fullPage: true });
    return { title: await page.title(), charts, links, tip, errors };
  });
}

async function hoverLastNight(page: Page): Promise<string | null> {
  const at = (await page.evaluate(`(() => {
    const u = window.nodropHistory[0];
    if (!u) return null;
    const xs = u.data[0];
    u.root.closest(".nodrop-history").scrollIntoView();
    const r = u.over.getBoundingClientRect();
    return { x: r.left + u.valToPos(xs[xs.length - 1], "x"), y: r.top + r.height / 2 };
  })()`)) as { x: number; y: number } | null;
  if (!at) return null;
  await page.mouse.move(at.x, at.y);
  const tip = page.locator(".nodrop-history .tip").first();
  await tip.waitFor({ state: "visible", timeout: 5000 });
  return tip.innerText();
}
