// The dashboard in a real headless browser: Debian's chromium, driven by
// playwright-core from npm (never a browser of its own download).
//
//   node dashboard_browser_test.cjs URL SCREENSHOT_DIR
//
// Run by dashboard_browser_test.cpp after a replay against a real fraudd;
// exits 0 when the page shows what it should, 1 with the reason otherwise.
// NODE_PATH must name the build's web/node_modules; CHROMIUM may name the
// browser (default /usr/bin/chromium).
"use strict";

const path = require("path");
const { chromium } = require("playwright-core");

const [url, shots] = process.argv.slice(2);
if (!url || !shots) {
  console.error("usage: dashboard_browser_test.cjs URL SCREENSHOT_DIR");
  process.exit(2);
}

// Polls `predicate` in the page from here until it holds. Not
// page.waitForFunction: playwright polls that inside the page through an
// eval, which the page's Content-Security-Policy (no 'unsafe-eval')
// refuses whenever the first try is not already true.
async function waitInPage(page, predicate, timeout) {
  const until = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(predicate)) return;
    if (Date.now() > until) throw new Error("timed out waiting for " + predicate);
    await new Promise(r => setTimeout(r, 100));
  }
}

function check(ok, what) {
  if (!ok) throw new Error("FAILED: " + what);
  console.log("ok: " + what);
}

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
  });
  let failed = null;
  try {
    const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
    const problems = [];
    page.on("pageerror", e => problems.push("page error: " + e.message));
    page.on("console", m => { if (m.type() === "error") problems.push("console: " + m.text()); });
    page.on("requestfailed", r => problems.push("request failed: " + r.url()));

    await page.goto(url);
    check(await page.title() === "fraudd · live", "the page is fraudd's dashboard");

    // Non-zero rates: the replay's seconds are in the last five minutes.
    await waitInPage(page, () => {
      const c = window.fraudDashboard && window.fraudDashboard.charts.rates;
      return !!c && c.data.datasets.some(d => d.data.some(v => v > 0));
    }, 20000);
    const peak = await page.textContent("#kpi-peak");
    check(parseFloat(peak) > 0, `decisions per second peaked above zero (${peak}/s)`);
    const approved = await page.textContent("#kpi-approve");
    check(parseInt(approved.replace(/,/g, ""), 10) > 0, `approved total shown (${approved})`);
    await waitInPage(page, () => {
      const c = window.fraudDashboard.charts.latency;
      return c.data.datasets[2].data.some(v => v > 0);
    }, 10000);
    check(true, "the latency chart has p99 points");
    const rules = await page.evaluate(() => window.fraudDashboard.charts.rules.data.labels.length);
    check(rules > 0, `rule hits charted (${rules} rules)`);
    check((await page.textContent("#ready")) === "ready", "readiness shown as ready");

    // The latest declines, with their reasons.
    const first = page.locator("#latest tbody tr[data-tx]", { has: page.locator(".badge.DECLINE") }).first();
    await first.waitFor({ timeout: 10000 });
    // The list moves on as decisions come: hold on to this one by its id.
    const tx = await first.getAttribute("data-tx");
    const decline = page.locator(`#latest tbody tr[data-tx="${tx}"]`);
    const reasons = (await decline.locator("td.reasons").textContent()).trim();
    check(/^[a-z_]+: \S/.test(reasons), `a decline lists its reasons ("${reasons.slice(0, 80)}")`);

    // Let the charts settle on a full second of data, then the picture.
    await page.waitForTimeout(1500);
    await page.screenshot({ path: path.join(shots, "dashboard.png"), fullPage: true });

    // A click opens that decision.
    await decline.click();
    await page.locator("#detail .reason-card").first().waitFor({ timeout: 10000 });
    check(await page.isVisible("#detail"), "the decision's panel opens");
    check((await page.textContent("#detail-tx")) === tx, `it is the clicked decision (${tx})`);
    const body = await page.textContent("#detail-body");
    check(body.includes("DECLINE"), "its action is shown");
    check(body.includes("service latency") && body.includes("ruleset"), "its fields are shown");
    check(body.includes("model"), "the model it used is shown (none here)");
    const cards = await page.locator("#detail .reason-card").count();
    check(cards > 0, `its reasons are shown (${cards})`);
    const history = await page.locator("#card-decisions tbody tr").count();
    check(history > 0, `its card's latest decisions are shown (${history})`);
    const noCase = await page.textContent("#detail-case");
    check(noCase.includes("none"), "a decline has no case, and says so");
    await page.screenshot({ path: path.join(shots, "dashboard-decision.png"), fullPage: true });

    // A review opens its case: open, with how to resolve it.
    await page.click("#detail-close");
    const reviewRow = page.locator("#latest tbody tr[data-tx]", { has: page.locator(".badge.REVIEW") }).first();
    await reviewRow.waitFor({ timeout: 10000 });
    const reviewTx = await reviewRow.getAttribute("data-tx");
    await page.locator(`#latest tbody tr[data-tx="${reviewTx}"]`).click();
    // Locators: they wait without an eval in the page.
    await page.locator("#detail-tx", { hasText: reviewTx }).waitFor({ timeout: 10000 });
    await page.locator("#detail-case", { hasText: "resolve" }).waitFor({ timeout: 10000 });
    const caseText = await page.textContent("#detail-case");
    check(caseText.includes("open") && caseText.includes("fraudctl cases resolve " + reviewTx),
          `a review's case is shown open, with how to resolve it (${reviewTx})`);
    await page.screenshot({ path: path.join(shots, "dashboard-case.png"), fullPage: true });

    check(problems.length === 0, "no errors on the page" + (problems.length ? ": " + problems.join("; ") : ""));
  } catch (e) {
    failed = e;
  } finally {
    await browser.close();
  }
  if (failed) {
    console.error(failed.message);
    process.exit(1);
  }
})().catch(e => {
  console.error(e.stack || String(e));
  process.exit(1);
});
