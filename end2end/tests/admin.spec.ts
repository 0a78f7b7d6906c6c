import { expect, signIn, test, visit } from "./helpers";

test("the runbook's procedures are buttons on the Admin page", async ({ page }) => {
  await signIn(page);
  await visit(page, "/admin");
  await expect(page.getByRole("heading", { name: "Admin" })).toBeVisible();
  await expect(page.getByTestId("pipeline-state")).toHaveText("Running");

  await page.getByRole("button", { name: "Pause pipeline" }).click();
  await expect(page.getByRole("status")).toHaveText("Pipeline paused.");
  await expect(page.getByTestId("pipeline-state")).toHaveText("Paused");
  await page.getByRole("button", { name: "Resume pipeline" }).click();
  await expect(page.getByRole("status")).toHaveText("Pipeline resumed.");
  await expect(page.getByTestId("pipeline-state")).toHaveText("Running");

  await page.getByRole("button", { name: "Clear stuck runs" }).click();
  await expect(page.getByRole("status")).toContainText("stuck runs failed");
  await page.getByLabel("Retry failed runs from the last").fill("soon");
  await page.getByRole("button", { name: "Rerun failed" }).click();
  await expect(page.getByRole("alert")).toContainText("`since`");

  await page.getByLabel("Company (empty: all)").fill("Nobody Ltd");
  await page.getByRole("button", { name: "Clear company cache" }).click();
  await expect(page.getByRole("status")).toHaveText("0 cached companies deleted.");

  // Without a key FireCrawl cannot be switched on, and says why.
  await page.getByRole("button", { name: "Restart PDF renderer" }).click();
  await expect(page.getByRole("status")).toHaveText("PDF renderer restarted.");
  await expect(page.getByTestId("pdf-state")).toHaveText("healthy");

  await expect(page.getByTestId("firecrawl-state")).toHaveText("not_configured");
  await page.getByRole("button", { name: "Enable FireCrawl" }).click();
  await expect(page.getByRole("alert")).toContainText("FIRECRAWL_API_KEY");
});

test("viewers see the Admin page but cannot act", async ({ page }) => {
  await signIn(page, { username: "viewer", password: "viewer-password" });
  await visit(page, "/admin");
  await page.getByRole("button", { name: "Pause pipeline" }).click();
  await expect(page.getByRole("alert")).toContainText("admin role");
  await expect(page.getByTestId("pipeline-state")).toHaveText("Running");
});
