import { expect, hydrated, signIn, test, unique, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

test("editing a STAR record", async ({ page }) => {
  // Each project edits its own record, so the two runs never see each other's change.
  const original = hydrated() ? "Cut cloud spend by a third" : "Made the nightly ETL five times faster";
  const title = `${original} (${unique()})`;
  await visit(page, "/profile");
  await page.getByRole("link", { name: original, exact: true }).click();
  await expect(page.getByRole("heading", { name: "Edit STAR record" })).toBeVisible();

  const form = page.getByTestId("star-form");
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Results (one per line)").fill("Spend down 35 %\nNo customer-visible regressions");
  await form.getByRole("button", { name: "Save" }).click();

  await expect(page).toHaveURL(/\/profile\?notice=/);
  await expect(page.getByRole("status")).toContainText("STAR record saved");
  await page.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByTestId("star-form").getByLabel("Results (one per line)")).toHaveValue(
    "Spend down 35 %\nNo customer-visible regressions",
  );
});
