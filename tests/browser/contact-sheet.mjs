// The contact sheet in a real browser (Debian's chromium, headless, through playwright-core):
// counts, problems first, lazy rendering, the filter, the count buttons, images that decode,
// no network. Usage: PLAYWRIGHT_DIR=DIR node contact-sheet.mjs SHEET.html EXPECTED.json SHOT.png
// (DIR: where `npm install --prefix DIR playwright-core` put it; scripts/test-contact-sheet.sh.)
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const { chromium } = createRequire(resolve(process.env.PLAYWRIGHT_DIR || ".", "package.json"))("playwright-core");

const [sheet, expectedPath, screenshot, bigSheet] = process.argv.slice(2);
const expected = JSON.parse(readFileSync(expectedPath, "utf8"));
const failures = [];
const check = (ok, what) => {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
  if (!ok) failures.push(what);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true, // Playwright gives each launch a fresh, temporary profile.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  const requests = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("request", (r) => { if (!/^(file|data):/.test(r.url())) requests.push(r.url()); });
  const started = Date.now();
  await page.goto(pathToFileURL(sheet).href, { waitUntil: "load" });
  const loadMs = Date.now() - started;
  const figures = () => page.locator("figure.user").count();

  check((await page.locator("#total").textContent()) === String(expected.users), `${expected.users} users in the title`);
  for (const p of ["missing", "small", "not-square"]) {
    const text = await page.locator(`#counts button[data-problem="${p}"]`).textContent();
    check(text === `${p}: ${expected[p]}`, `count ${p}: ${expected[p]} (page: ${text})`);
  }
  check((await page.locator("main h2").first().textContent()) === "missing", "users without a photo come first");
  const first = await figures();
  check(first > 0 && first <= 200, `rendered lazily: ${first} cards at first`);

  // Scroll to the end: every user is rendered, in slices.
  for (let i = 0; i < 20 && (await figures()) < expected.users; i++) {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    await page.waitForTimeout(150);
  }
  check((await figures()) === expected.users, `all ${expected.users} cards after scrolling`);
  const images = await page.evaluate(async () => {
    const imgs = [...document.querySelectorAll("figure img")];
    await Promise.all(imgs.map((i) => i.decode().catch(() => null)));
    return { total: imgs.length, decoded: imgs.filter((i) => i.complete && i.naturalWidth === 96 && i.naturalHeight === 96).length };
  });
  check(images.total === expected.images && images.decoded === images.total,
    `${expected.images} thumbnails, all decode at 96 x 96 (${images.decoded}/${images.total})`);

  // The filter box, then a count button.
  await page.fill("#filter", "user00001@");
  check((await figures()) === 1, "the filter finds one user by UPN");
  await page.fill("#filter", "");
  await page.click('#counts button[data-problem="small"]');
  const small = await figures();
  check(small === expected.small, `the "small" button shows ${expected.small} users (${small})`);
  await page.click('#counts button[data-problem="small"]');
  await page.screenshot({ path: screenshot, fullPage: false });

  if (bigSheet) {
    // 10,000 users: the page is usable at once (one slice rendered), and the filter answers.
    const t0 = Date.now();
    await page.goto(pathToFileURL(bigSheet).href, { waitUntil: "load" });
    const ready = Date.now() - t0;
    const total = await page.locator("#total").textContent();
    const cards = await figures();
    const t1 = Date.now();
    await page.fill("#filter", "user09999@");
    const one = await figures();
    const filtered = Date.now() - t1;
    check(total === "10000" && cards > 0 && cards <= 200 && one === 1,
      `10,000 users: ${cards} cards rendered at first, filter to ${one}`);
    check(ready < 10000 && filtered < 2000, `10,000 users: loaded in ${ready} ms, filtered in ${filtered} ms`);
  }
  check(errors.length === 0, `no script errors ${errors.join(" | ")}`);
  check(requests.length === 0, `no network requests ${requests.slice(0, 3).join(" ")}`);
  console.log(`loaded in ${loadMs} ms; screenshot ${screenshot}`);
} finally {
  await browser.close();
}
if (failures.length) {
  console.error(`${failures.length} check(s) failed`);
  process.exit(1);
}
