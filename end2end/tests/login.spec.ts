import { DEMO, expect, test, visit } from "./helpers";

test("a wrong password is refused with a message", async ({ page }) => {
  await visit(page, "/login");
  await page.getByLabel("Username").fill(DEMO.username);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/login\?error=1$/);
  await expect(page.getByRole("alert")).toContainText("Wrong username or password");
});

test("signed-out visitors are sent to the login page", async ({ page }) => {
  await page.goto("/jobs?status=ready");
  await expect(page).toHaveURL(/\/login$/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("the right password opens the jobs, and signing out closes them", async ({ page }) => {
  await visit(page, "/login");
  await page.getByLabel("Username").fill(DEMO.username);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/jobs$/);
  await expect(page.getByRole("heading", { name: "Jobs", exact: true })).toBeVisible();
  await expect(page.locator("table.jobs tbody tr").first()).toBeVisible();

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto("/jobs");
  await expect(page).toHaveURL(/\/login$/);
});
