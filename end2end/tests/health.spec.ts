import { expect, hydrated, signIn, test, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

test("the health panel is green and lists each service", async ({ page }) => {
  await visit(page, "/jobs");
  const panel = page.getByTestId("health-panel");
  const pill = panel.locator(".pill");
  await expect(pill).toHaveText("healthy");
  await expect(pill).toHaveAttribute("data-level", "green");
  await panel.locator("summary").click();
  await expect(panel.locator(".popover")).toBeVisible();
  await expect(panel).toContainText("Store");
  await expect(panel).toContainText("sqlite");
  await expect(panel).toContainText("PDF service");
  // Without keys the offline provider answers and FireCrawl is not configured.
  await expect(panel.locator("tr", { hasText: "LLM" })).toContainText("healthy");
  await expect(panel.locator("tr", { hasText: "LLM" })).toContainText("offline");
  await expect(panel.locator("tr", { hasText: "FireCrawl" })).toContainText("not_configured");
});

test("the health panel refreshes itself without a reload", async ({ page }) => {
  test.skip(!hydrated(), "refreshing in place needs JavaScript");
  await visit(page, "/jobs");
  const refresh = page.waitForResponse((r) => r.url().includes("/sfn/get_health") && r.ok(), {
    timeout: 25_000,
  });
  expect((await refresh).status()).toBe(200);
  await expect(page.getByTestId("health-panel").locator(".pill")).toHaveText("healthy");
});
