import { expect, signIn, test, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

test("filtering by status and text, with the view kept in the URL", async ({ page }) => {
  await visit(page, "/jobs");
  await page.getByRole("checkbox", { name: "ready", exact: true }).check();
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(page).toHaveURL(/status=ready/);
  const rows = page.locator("table.jobs tbody tr");
  // Two demo jobs start ready; other specs may have readied more by running the pipeline.
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThanOrEqual(2);
  for (const badge of await rows.locator(".badge").allTextContents()) {
    expect(badge).toBe("ready");
  }

  await page.getByLabel("Search").fill("lumen");
  await page.getByRole("button", { name: "Apply", exact: true }).click();
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText("Staff Engineer, Payments Platform");

  // The URL alone reproduces the view, in a fresh page.
  const url = page.url();
  const again = await page.context().newPage();
  await again.goto(url);
  await expect(again.locator("table.jobs tbody tr")).toHaveCount(1);
  await expect(again.getByRole("checkbox", { name: "ready", exact: true })).toBeChecked();
  await expect(again.getByLabel("Search")).toHaveValue("lumen");
});

test("paging through the list", async ({ page }) => {
  await visit(page, "/jobs?limit=5&sort=created_at&order=desc");
  const summary = page.getByTestId("jobs-summary");
  await expect(summary).toHaveText(/^1–5 of \d+ jobs · page 1 of \d+$/);
  await expect(page.locator("table.jobs tbody tr")).toHaveCount(5);
  const firstOnPage1 = await page.locator("table.jobs tbody tr .job-title").first().textContent();

  await page.getByRole("link", { name: "Next →" }).click();
  await expect(page).toHaveURL(/page=2/);
  await expect(summary).toHaveText(/^6–10 of \d+ jobs · page 2 of \d+$/);
  await expect(page.locator("table.jobs tbody tr .job-title").first()).not.toHaveText(firstOnPage1 ?? "");

  await page.getByRole("link", { name: "← Previous" }).click();
  await expect(summary).toHaveText(/^1–5 of/);
});

test("a bad filter value is named on the page, not a crash", async ({ page }) => {
  await visit(page, "/jobs?created_from=yesterday");
  await expect(page.getByRole("alert")).toContainText("created_from");
});
