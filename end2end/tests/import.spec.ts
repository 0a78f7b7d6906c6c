import { createServer } from "node:http";
import { AddressInfo } from "node:net";
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

test("a pasted Lever board payload becomes one job per posting, read without a model", async ({ page }) => {
  // Titles unique to this project's run, so the hydrated and no-JS runs each create their own.
  const site = `brindlecove-${unique()}`;
  const posting = (id: string, title: string, workplaceType: string, html: string) => ({
    id,
    text: title,
    categories: { location: "Dublin", commitment: "Full-time" },
    description: html,
    descriptionPlain: "",
    lists: [{ text: "Requirements", content: "<li>Kubernetes in production</li>" }],
    additional: "",
    hostedUrl: `https://jobs.lever.co/${site}/${id}`,
    applyUrl: `https://jobs.lever.co/${site}/${id}/apply`,
    workplaceType,
  });
  const board = [
    posting("11111111-0000-4000-8000-000000000001", "Platform Engineer", "remote", "<p>Run our <b>clusters</b>.</p><script>window.pwned=1</script>"),
    posting("11111111-0000-4000-8000-000000000002", "Data Engineer", "hybrid", "<p>Own the <i>warehouse</i>.</p>"),
  ];
  await visit(page, "/import");
  await page.getByLabel("…or paste its content").fill(JSON.stringify(board));
  await page.getByRole("button", { name: "Import file" }).click();
  await expect(page.getByRole("status")).toContainText("2 created, 0 duplicates, 0 errors");

  await visit(page, `/jobs?q=${encodeURIComponent(site)}`);
  await expect(page.locator("table.jobs tbody tr")).toHaveCount(2);
  await page.getByRole("link", { name: "Platform Engineer", exact: true }).click();
  await expect(page.getByTestId("job-title")).toHaveText("Platform Engineer");
  const description = page.locator(".markdown");
  await expect(description).toContainText("Run our");
  await expect(description.locator("li")).toContainText("Kubernetes in production");
  await expect(description).not.toContainText("pwned");
  expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned ?? 0).catch(() => 0)).toBe(0);
});

test("a posting link is imported from its page's JobPosting data", async ({ page }) => {
  const title = `Harbour Systems Engineer ${unique()}`;
  const posting = {
    "@context": "https://schema.org",
    "@type": "JobPosting",
    title,
    description: "<p>Keep the cranes <b>talking</b>.</p><script>window.pwned=1</script>",
    datePosted: "2026-11-28",
    hiringOrganization: { "@type": "Organization", name: "Saltmarsh Ports" },
    jobLocation: { "@type": "Place", address: { addressLocality: "Aberdeen", addressCountry: "GB" } },
  };
  // As pages do, "</" is escaped inside the script so the JSON cannot close the tag.
  const json = JSON.stringify(posting).replaceAll("</", "<\\/");
  const html = `<html><head><script type="application/ld+json">${json}</script></head><body></body></html>`;
  const server = createServer((_, res) => {
    res.writeHead(200, { "content-type": "text/html" });
    res.end(html);
  });
  await new Promise<void>((ready) => server.listen(0, "127.0.0.1", ready));
  const { port } = server.address() as AddressInfo;
  try {
    await visit(page, "/import");
    const form = page.getByTestId("link-form");
    await form.getByLabel("Posting link").fill(`http://127.0.0.1:${port}/careers/hse-1`);
    await form.getByRole("button", { name: "Import from link" }).click();
    await expect(page.getByTestId("job-title")).toHaveText(title);
    await expect(page.getByRole("status")).toContainText("Job imported from the link");
    await expect(page.locator(".markdown")).toContainText("Keep the cranes");
    await expect(page.locator(".markdown")).not.toContainText("pwned");
    await expect(page.getByText("Saltmarsh Ports").first()).toBeVisible();
  } finally {
    server.close();
  }
});
