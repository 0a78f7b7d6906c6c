import { readFileSync } from "node:fs";
import { expect, hydrated, signIn, test, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

test("running a job from the UI shows every layer finish and the package", async ({ page }) => {
  // Each project runs its own demo job, so the two runs never collide.
  const title = hydrated() ? "Senior Backend Engineer (Rust)" : "Site Reliability Engineer";
  await visit(page, `/jobs?q=${encodeURIComponent(title)}`);
  await page.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByTestId("job-title")).toHaveText(title);
  if (hydrated()) await page.locator("body[data-hydrated=true]").waitFor();

  const panel = page.getByTestId("run-panel");
  await panel.getByLabel("Tier").selectOption("auto");
  await panel.getByRole("button", { name: "Run pipeline" }).click();
  await expect(page.getByRole("status")).toContainText("Run queued");
  if (hydrated()) await page.evaluate(() => ((window as any).stayed = true));

  // The page follows the run by itself: the run's events with JavaScript, meta refresh without.
  await expect(page.getByTestId("run-status")).toHaveText(/completed|partial/, { timeout: 30_000 });
  if (hydrated()) {
    expect(await page.evaluate(() => (window as any).stayed), "followed without a reload").toBe(true);
    // The browser's EventSource replays the finished run's events with the session cookie.
    const statusUrl = await panel.getByRole("link", { name: "JSON" }).getAttribute("href");
    const kinds = await page.evaluate(
      (url) =>
        new Promise<string[]>((resolve, reject) => {
          const seen: string[] = [];
          const source = new EventSource(url);
          for (const kind of ["layer_started", "log", "layer_finished", "layer_failed"])
            source.addEventListener(kind, () => seen.push(kind));
          source.addEventListener("run_finished", () => {
            source.close();
            resolve([...seen, "run_finished"]);
          });
          source.onerror = () => reject(new Error("event stream failed"));
        }),
      `${statusUrl}/events`,
    );
    expect(kinds.filter((k) => k === "layer_started")).toHaveLength(11);
    expect(kinds.at(-1)).toBe("run_finished");
  }
  await expect(panel.locator('.step[data-status="completed"], .step[data-status="warning"]')).toHaveCount(11);
  await expect(panel.locator(".progress")).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByTestId("fit-score")).toContainText("/ 100");
  // The fit ledger: each requirement quoted from the posting, with how the records meet it.
  const ledger = page.getByTestId("ledger");
  await expect(ledger.locator("tr[data-requirement]").first()).toBeVisible();
  await expect(ledger.locator("tr[data-requirement] q").first()).not.toBeEmpty();
  // The evidence chain: selecting a requirement highlights every line that serves it (and only
  // those); selecting a line shows its sources and the requirements it answers.
  const chain = page.getByTestId("chain");
  const need = chain.locator("li.need").filter({ hasNotText: " · 0 lines" }).first();
  const needId = (await need.getAttribute("data-need"))!;
  const serving = Number((await need.textContent())!.match(/· (\d+) lines?/)![1]);
  await need.getByRole("link", { name: needId, exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`need=${needId}`));
  await expect(chain.locator(`li.need[data-need="${needId}"]`)).toHaveClass(/selected/);
  await expect(chain.locator("li.chain-line.serves")).toHaveCount(serving);
  const line = chain.locator("li.chain-line.serves").first();
  const lineId = (await line.getAttribute("data-line"))!;
  await line.locator("a").click();
  await expect(page).toHaveURL(new RegExp(`line=${lineId}`));
  const detail = chain.getByTestId("chain-line");
  await expect(detail).toHaveAttribute("data-line", lineId);
  await expect(detail.locator(".chip").first()).toBeVisible();
  await expect(detail.getByRole("link", { name: needId, exact: true })).toBeVisible();
  if (hydrated()) expect(await page.evaluate(() => (window as any).stayed), "no reload").toBe(true);
  await expect(page.getByTestId("company-summary")).not.toBeEmpty();
  await expect(page.getByTestId("cover-letter")).toContainText("hiring team");
  await expect(page.getByTestId("cv-lines").locator(".provenance").first()).toHaveText(/^(master_cv:|star:)/);

  // The package downloads as PDFs named after the company and role.
  const download = page.waitForEvent("download");
  await panel.getByRole("button", { name: "CV (PDF)" }).click();
  const cv = await download;
  expect(cv.suggestedFilename()).toMatch(/^CV_.+\.pdf$/);
  expect(readFileSync(await cv.path()).subarray(0, 5).toString()).toBe("%PDF-");

  // The job's own history lists this run; the filter is in the URL.
  await page.getByRole("link", { name: "Run history of this job" }).click();
  await expect(page).toHaveURL(/\/runs\?job_id=/);
  await expect(page.locator("table.jobs tbody tr")).toHaveCount(1);

  // The run is in the history, and its page shows the per-layer timeline.
  await visit(page, "/runs");
  await expect(page.getByRole("heading", { name: "Run history" })).toBeVisible();
  const row = page.locator("table.jobs tbody tr").first();
  await expect(row).toContainText("11/11");
  await row.locator("a").first().click();
  await expect(page.getByRole("heading", { name: /^Run / })).toBeVisible();
  await expect(page.getByTestId("run-panel").locator(".step")).toHaveCount(11);
});
