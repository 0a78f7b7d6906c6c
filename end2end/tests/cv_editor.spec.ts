import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { APIRequestContext, Download, Page } from "@playwright/test";
import { expect, hydrated, sameOrigin, signIn, test, visit } from "./helpers";

test.beforeEach(async ({ page }) => signIn(page));

/** The demo job's id, after a pipeline run has tailored its CV (so it has a draft and keywords). */
async function tailoredJob(request: APIRequestContext, title: string): Promise<string> {
  const list = await (await request.get(`/api/jobs?q=${encodeURIComponent(title)}`)).json();
  const id: string = list.items.find((j: any) => j.title === title).id;
  const queued = await request.post("/run", { data: { job_id: id, tier: "B" }, headers: sameOrigin() });
  expect([202, 409]).toContain(queued.status());
  await expect
    .poll(
      async () => {
        const runs = await (await request.get(`/api/pipeline-runs?job_id=${id}`)).json();
        return runs.runs?.[0]?.status ?? runs[0]?.status;
      },
      { timeout: 30_000 },
    )
    .toMatch(/completed|partial/);
  return id;
}

/** Saves a download and runs a poppler tool on it. */
async function poppler(download: Download, tool: "pdfinfo" | "pdftotext"): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), "jobintel-cv-")), "cv.pdf");
  await download.saveAs(path);
  return execFileSync(tool, tool === "pdftotext" ? [path, "-"] : [path]).toString();
}

const pdfPages = (info: string) => Number(/Pages:\s+(\d+)/.exec(info)?.[1]);

async function exportPdf(page: Page, how: "button" | "keys"): Promise<Download> {
  const download = page.waitForEvent("download");
  if (how === "keys") await page.keyboard.press("Control+p");
  else await page.getByTestId("export-pdf").click();
  return download;
}

test("editing a tailored CV: live preview, autosave, undo, versions, ATS and the PDF", async ({
  page,
}) => {
  test.skip(!hydrated(), "editing needs JavaScript; the no-JS page is covered below");
  const id = await tailoredJob(page.request, "Staff Engineer, Payments Platform");
  await visit(page, `/jobs/${id}/cv`);
  const state = page.getByTestId("save-state");
  const preview = page.frameLocator("[data-testid=cv-preview]");
  await expect(state).toContainText("Not saved yet");
  await expect(page.getByText("Started from the pipeline's tailored draft.")).toBeVisible();
  await expect(page.getByTestId("chip").first()).toContainText("Master CV · ");
  await expect(page.getByTestId("page-count")).toHaveText(/^\d+ pages?$/);

  // Typing shows in the print preview and is saved 3 s after the last change.
  await page.getByTestId("header-headline").fill("Payments engineer who ships <safely>");
  await expect(state).toContainText("Unsaved changes");
  await expect(preview.locator(".headline")).toHaveText("Payments engineer who ships <safely>");
  await expect(state).toContainText("Saved · version 1", { timeout: 10_000 });

  // Sections reorder (and undo puts them back).
  await page.getByTestId("section-0").getByTitle("Move the section down").click();
  await expect(preview.locator("h2").first()).toHaveText(/experience/i);
  await page.getByTestId("undo").click();
  await expect(preview.locator("h2").first()).toHaveText(/summary/i);

  // The ATS panel follows the text: a missing keyword typed into a new bullet is found.
  const missing = page.getByTestId("ats-missing").locator("li").first();
  const keyword = (await missing.textContent())!.trim();
  await page.getByTestId("add-bullet-1-0").click();
  const bullet = page.getByTestId("add-bullet-1-0").locator("xpath=..").locator(".bullet textarea").last();
  await bullet.fill(`Built **${keyword}** tooling for the team`);
  await expect(page.getByTestId("ats-found")).toContainText(keyword);
  await expect(page.getByTestId("chip").filter({ hasText: "user-written" })).toHaveCount(1);
  await expect(preview.locator("li strong", { hasText: keyword })).toBeVisible();

  // Undo takes the typing back, redo restores it; Ctrl+S saves at once.
  await page.getByTestId("undo").click();
  await expect(page.getByTestId("ats-missing")).toContainText(keyword);
  await page.getByTestId("redo").click();
  await expect(page.getByTestId("ats-found")).toContainText(keyword);
  await page.keyboard.press("Control+s");
  await expect(state).toContainText("Saved · version 2", { timeout: 5_000 });

  // A reload shows the saved CV.
  await visit(page, `/jobs/${id}/cv`);
  await expect(page.getByTestId("header-headline")).toHaveValue(
    "Payments engineer who ships <safely>",
  );
  await expect(state).toContainText("Saved · version 2");
  await expect(page.getByTestId("ats-found")).toContainText(keyword);

  // Version history: view version 1, restore it (a new version), mark it as sent.
  const versions = page.getByTestId("versions");
  await expect(versions.locator("li")).toHaveCount(2);
  await page.getByTestId("version-1").getByRole("button", { name: "View" }).click();
  await expect(page.getByTestId("viewing")).toContainText("Viewing version 1");
  await expect(preview.locator("li strong", { hasText: keyword })).toHaveCount(0);
  await page.getByRole("button", { name: "Restore this version" }).click();
  await expect(state).toContainText("Saved · version 3");
  await expect(page.getByTestId("ats-missing")).toContainText(keyword);
  await expect(page.getByTestId("version-3")).toContainText("restored from v1");
  await page.getByTestId("version-3").getByRole("button", { name: "Mark as sent" }).click();
  await expect(page.getByTestId("version-3").getByTestId("sent-badge")).toBeVisible();
  // What was sent is locked and downloads again: no "unmark", a link to the sent PDF.
  await expect(page.getByTestId("version-3").getByRole("button", { name: /sent/i })).toHaveCount(0);
  const sentPdf = await page.getByTestId("version-3").getByTestId("sent-pdf").getAttribute("href");
  const sentResponse = await page.request.get(sentPdf!);
  expect(sentResponse.status()).toBe(200);
  expect((await sentResponse.body()).subarray(0, 5).toString()).toBe("%PDF-");

  // The exported PDF is what the preview shows: same text, same page count.
  const shown = pdfPages(`Pages: ${(await page.getByTestId("page-count").textContent())!}`);
  const download = await exportPdf(page, "keys");
  expect(download.suggestedFilename()).toBe("CV_Lumen_Bank_Staff_Engineer_Payments_Platform.pdf");
  expect(pdfPages(await poppler(download, "pdfinfo"))).toBe(shown);
  // Each export's text is read back on the server: every printed line, in order.
  const parseBack = page.getByTestId("parse-back");
  await expect(parseBack).toHaveAttribute("data-passed", "true", { timeout: 20_000 });
  await expect(parseBack).toContainText("reads back as printed");

  // Bigger type pushes the CV over its one-page budget: the preview warns and still agrees
  // with the PDF.
  await page.getByTestId("settings-page_budget").fill("1");
  await page.getByTestId("settings-font_size_pt").fill("14");
  await page.getByTestId("settings-line_height").fill("1.8");
  await expect(page.getByTestId("page-warning")).toBeVisible();
  await expect(state).toContainText("Saved", { timeout: 10_000 });
  await page.waitForTimeout(700); // the preview re-measures once fonts have loaded
  const count = Number((await page.getByTestId("page-count").textContent())!.split(" ")[0]);
  expect(count).toBeGreaterThan(1);
  const bigger = await exportPdf(page, "button");
  expect(pdfPages(await poppler(bigger, "pdfinfo"))).toBe(count);
  const text = await poppler(bigger, "pdftotext");
  expect(text).toContain("Payments engineer who ships <safely>");

  // Editing a sourced line makes it user-edited (its source kept as "from"); on save, what
  // no record supports in it is listed to check, and nothing is blocked.
  const sourced = page.getByTestId("sections-1-items-0-bullets-0-text");
  await sourced.fill("Ran Snowflake for 93 teams at Initech Labs.");
  const chip = sourced.locator("xpath=ancestor::div[contains(@class,'bullet')][1]").getByTestId("chip");
  await expect(chip).toContainText("user-edited · from Master CV");
  await page.keyboard.press("Control+s");
  const claims = page.getByTestId("claims");
  await expect(claims).toContainText("93", { timeout: 10_000 });
  await expect(claims).toContainText("Snowflake");
  await expect(preview.locator("li", { hasText: "Ran Snowflake for 93 teams" })).toBeVisible();

  // Over budget, "Fit to 1 page" cuts the least relevant bullets instead of shrinking the
  // type; the user's own line stays; each cut line can be put back.
  await page.getByTestId("settings-font_size_pt").fill("12");
  await page.getByTestId("settings-line_height").fill("1.6");
  await expect(state).toContainText("Saved", { timeout: 10_000 });
  await page.waitForTimeout(700); // the preview re-measures once fonts have loaded
  await expect(page.getByTestId("page-warning")).toBeVisible();
  await page.getByTestId("fit-pages").click();
  await expect(page.getByTestId("fit-summary")).toContainText("least relevant", { timeout: 20_000 });
  await expect(page.getByTestId("page-count")).toHaveText("1 page", { timeout: 10_000 });
  await expect(page.getByTestId("page-warning")).toHaveCount(0);
  await expect(page.getByTestId("settings-font_size_pt")).toHaveValue("12");
  await expect(preview.locator("li", { hasText: "Ran Snowflake for 93 teams" })).toBeVisible();
  const cut = page.getByTestId("fit-cut").locator("li");
  const cutCount = await cut.count();
  expect(cutCount).toBeGreaterThan(0);
  const first = (await cut.first().textContent())!.split(" · ")[0];
  await cut.first().getByTestId("restore-cut").click();
  await expect(cut).toHaveCount(cutCount - 1);
  const back = first.slice(0, 30).replace(/\s+\S*$/, "");
  await expect(preview.locator("li", { hasText: back }).first()).toBeVisible();
});

test("without JavaScript the editor page shows the print preview and exports the PDF", async ({
  page,
}) => {
  test.skip(hydrated(), "the hydrated editor is covered above");
  const id = await tailoredJob(page.request, "Lead Backend Engineer");
  // A line written through the API (as another device would) is listed to check on the page
  // the server renders.
  const editor = await (await page.request.get(`/api/jobs/${id}/cv-editor`)).json();
  const document = editor.document;
  const item = document.sections.find((s: any) => s.items.some((i: any) => i.bullets.length)).items[0];
  item.bullets.unshift({ text: "Scaled Snowflake to 71 teams at Initech Labs.", provenance: null });
  const saved = await page.request.put(`/api/jobs/${id}/cv-editor`, {
    data: { document, base_version: editor.version ?? 0 },
    headers: sameOrigin(),
  });
  expect(saved.status(), await saved.text()).toBeLessThan(300);
  await visit(page, `/jobs/${id}/cv`);
  await expect(page.getByText("Editing needs JavaScript")).toBeVisible();
  const claims = page.getByTestId("claims");
  await expect(claims).toContainText("71");
  await expect(claims).toContainText("Snowflake");
  const srcdoc = await page.getByTestId("cv-preview").getAttribute("srcdoc");
  expect(srcdoc).toContain("default-src 'none'");
  expect(srcdoc).toContain("Experience");
  const download = await exportPdf(page, "button");
  expect(download.suggestedFilename()).toBe("CV_Quillstone_Legal_Lead_Backend_Engineer.pdf");
  expect(await poppler(download, "pdftotext")).toContain("EXPERIENCE");
});
