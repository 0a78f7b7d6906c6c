import { expect, hydrated, signIn, test, visit } from "./helpers";

// These run against the second server, whose model lies in the cover letter (`fakes/lying-llm.py`).
test.use({ baseURL: process.env.LIAR_URL });
test.beforeEach(async ({ page }) => {
  test.skip(!process.env.LIAR_URL, "needs the lying-model server that run.sh starts");
  await signIn(page);
});

test("a lying model's claims are blocked and listed on the run, the true sentence kept", async ({ page }) => {
  const title = "Staff Engineer, Payments Platform";
  await visit(page, `/jobs?q=${encodeURIComponent(title)}`);
  await page.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByTestId("job-title")).toHaveText(title);
  if (hydrated()) await page.locator("body[data-hydrated=true]").waitFor();
  const panel = page.getByTestId("run-panel");
  await panel.getByLabel("Tier").selectOption("A");
  await panel.getByRole("button", { name: "Run pipeline" }).click();
  await expect(page.getByRole("status")).toContainText("Run queued");
  await expect(page.getByTestId("run-status")).toHaveText(/completed|partial/, { timeout: 30_000 });
  await expect(panel.locator('.step[data-layer="cover_letter"]')).toContainText("openai");

  // The stored letter keeps the true sentence and none of the lies.
  const letter = page.getByTestId("cover-letter");
  await expect(letter).toContainText("from 420 ms to 35 ms");
  for (const lie of ["Google", "2008", "300%", "PhD"]) await expect(letter).not.toContainText(lie);

  // The run lists what the gate blocked, claim by claim, with its kind and sentence.
  const blocked = letter.locator("xpath=following-sibling::details[@data-testid='blocked-claims'][1]");
  await expect(blocked.locator("summary")).toContainText(/\d+ claims blocked/);
  await blocked.locator("summary").click();
  const claim = (text: string) =>
    blocked.locator("li").filter({ has: page.locator("b", { hasText: new RegExp(`^${text}$`, "i") }) });
  await expect(claim("Google")).toContainText("(employer) in: I led Kubernetes and AWS migrations");
  await expect(claim("2008")).toContainText("(number)");
  await expect(claim("PhD")).toContainText("(degree)");
});
