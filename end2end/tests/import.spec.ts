import { expect, signIn, test, unique, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

test("a pasted posting becomes a job; pasting it again is refused", async ({ page }) => {
  const title = `Principal Rust Engineer ${unique()}`;
  const paste = async () => {
    await visit(page, "/import");
    const form = page.getByTestId("paste-form");
    await form.getByLabel("Title", { exact: true }).fill(title);
    await form.getByLabel("Company").fill("Nimbus Robotics");
    await form.getByLabel("Location").fill("Remote (EU)");
    await form
      .getByLabel("Description (Markdown)")
      .fill("We build warehouse robots.\n\n- Own the fleet control plane\n- <b>not bold</b> <script>window.pwned=1</script>");
    await form.getByRole("button", { name: "Import posting" }).click();
  };

  await paste();
  await expect(page).toHaveURL(/\/jobs\/[0-9a-f]{24}\?notice=/);
  await expect(page.getByTestId("job-title")).toHaveText(title);
  await expect(page.getByRole("status")).toContainText("Job imported");
  const description = page.locator(".markdown");
  await expect(description.locator("li")).toHaveCount(2);
  await expect(description).toContainText("<b>not bold</b>");
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned ?? 0).catch(() => 0)).toBe(0);

  await paste();
  await expect(page).toHaveURL(/\/import\?error=/);
  await expect(page.getByRole("alert")).toContainText("already exists");
});
