import { APIRequestContext, Page } from "@playwright/test";
import { DEMO, expect, hydrated, test, unique, visit } from "./helpers";

/**
 * Hostile strings of every kind a posting, a page or a user could carry: closing tags for
 * the elements whose content is raw text (title, textarea, script, style), event-handler
 * attributes, `javascript:` links, and Unicode tricks (right-to-left override, zero-width
 * characters). Each would set `window.__pwned` if it ever ran.
 */
const HOSTILE = {
  title: `</title><script>window.__pwned="title"</script>`,
  textarea: `</textarea><script>window.__pwned="textarea"</script>`,
  script: `</script><script>window.__pwned="script"</script>`,
  style: `</style><img src=x onerror="window.__pwned='style'">`,
  attribute: `"><svg onload="window.__pwned='attr'"></svg>`,
  link: `[click me](javascript:window.__pwned='link')`,
  unicode: "\u202Egnp.exe\u202C Zero\u200Bwidth\u200D",
};
const ALL = Object.values(HOSTILE).join(" ");

/** A bearer token for API writes (a token needs no same-origin proof: it is never ambient). */
async function token(request: APIRequestContext): Promise<string> {
  const res = await request.post("/api/auth/login", { data: DEMO });
  expect(res.status()).toBe(200);
  return (await res.json()).token;
}

/** Nothing hostile ran or became markup on the page shown now. */
async function assertInert(page: Page, where: string) {
  // No element the hostile text could have created, with JavaScript or without.
  await expect(page.locator("img[src=x], svg[onload], [onerror], [onload]"), where).toHaveCount(0);
  // Every script is one of ours: it carries the response's nonce (the browser keeps the
  // attribute, emptied). An injected one could not.
  await expect(page.locator("script:not([nonce])"), where).toHaveCount(0);
  // Our scripts carry the hostile text only as serialized data, with `<` escaped (`\u003c`):
  // never as code, never with a raw tag that could end the script early.
  const injected = await page.locator("script").evaluateAll((s) =>
    s.filter((e) => /^\s*window\.__pwned|<\/?script/i.test(e.textContent ?? "")).length,
  );
  expect(injected, where).toBe(0);
  await expect(page.locator('a[href^="javascript:" i], a[href^="data:" i]'), where).toHaveCount(0);
  if (hydrated()) {
    expect(await page.evaluate(() => (window as any).__pwned), where).toBeUndefined();
  }
}

test("hostile text in every field stays text on every page", async ({ page, request }) => {
  test.setTimeout(120_000);
  const auth = { Authorization: `Bearer ${await token(request)}` };
  const marker = unique();
  const job = await request.post("/api/jobs", {
    headers: auth,
    data: {
      title: `${HOSTILE.title} ${marker}`,
      company: `${HOSTILE.attribute} ${HOSTILE.unicode}`,
      location: HOSTILE.style,
      description: `${ALL}\n- ${HOSTILE.script}\n- ${HOSTILE.textarea}`,
      notes: ALL,
      tags: [HOSTILE.attribute.slice(0, 40), "ok"],
      url: "https://example.org/jobs/1",
    },
  });
  expect(job.status(), await job.text()).toBe(201);
  const id = (await job.json()).id;
  // A `javascript:` address is refused at the door, not stored.
  const bad = await request.patch(`/api/jobs/${id}`, {
    headers: auth,
    data: { url: "javascript:window.__pwned='url'" },
  });
  expect(bad.status()).toBe(422);
  const star = await request.post("/api/stars", {
    headers: auth,
    data: {
      title: `${HOSTILE.textarea} ${marker}`,
      company: HOSTILE.attribute,
      role: HOSTILE.unicode,
      situation: ALL,
      task: HOSTILE.script,
      actions: [HOSTILE.style, HOSTILE.link],
      results: [HOSTILE.title],
      skills: [HOSTILE.attribute.slice(0, 40)],
    },
  });
  expect(star.status(), await star.text()).toBe(201);
  const starId = (await star.json()).id;
  const resume = await (await request.get("/api/profile/resume", { headers: auth })).json();
  const hostileResume = structuredClone(resume);
  hostileResume.basics.label = HOSTILE.title;
  hostileResume.basics.summary = ALL;
  const put = await request.put("/api/profile/resume", { headers: auth, data: hostileResume });
  expect(put.status(), await put.text()).toBe(200);
  const editor = await (await request.get(`/api/jobs/${id}/cv-editor`, { headers: auth })).json();
  const doc = editor.document;
  doc.header.headline = `${HOSTILE.title} ${HOSTILE.link}`;
  doc.sections[0].title = HOSTILE.style;
  doc.sections[0].items[0].title = HOSTILE.textarea;
  doc.sections[0].items[0].bullets = [{ text: `${HOSTILE.script} ${HOSTILE.link}`, provenance: null }];
  const saved = await request.put(`/api/jobs/${id}/cv-editor`, {
    headers: auth,
    data: { document: doc, base_version: editor.version },
  });
  expect(saved.status(), await saved.text()).toBe(200);
  const run = await request.post("/run", { headers: auth, data: { job_id: id, tier: "B" } });
  expect(run.status(), await run.text()).toBe(202);
  const runId = (await run.json()).run_id;
  await expect
    .poll(async () => (await (await request.get(`/api/pipeline-runs/${runId}`, { headers: auth })).json()).status, {
      timeout: 30_000,
    })
    .toMatch(/completed|partial/);
  // Usernames are a closed alphabet: markup is refused, not escaped.
  const user = await request.post("/api/admin/users", {
    headers: auth,
    data: { username: "<img src=x onerror=alert(1)>", role: "viewer", password: "long-enough-1" },
  });
  expect(user.status()).toBe(422);

  try {
    const res = await page.request.post("/api/auth/login", { data: DEMO });
    expect(res.status()).toBe(200);
    const pages = [
      "/jobs",
      `/jobs?q=${encodeURIComponent(marker)}`,
      `/jobs/${id}`,
      `/jobs/${id}/cv`,
      "/profile",
      `/profile/stars/${starId}`,
      "/runs",
      `/runs/${runId}`,
      "/admin",
      "/import",
    ];
    for (const path of pages) {
      await visit(page, path);
      await assertInert(page, path);
    }
    // The tab shows the literal characters, neither markup nor entities.
    await visit(page, `/jobs/${id}`);
    await expect(page).toHaveTitle(`${HOSTILE.title} ${marker} · ${HOSTILE.attribute} ${HOSTILE.unicode} · jobintel`);
    await expect(page.getByTestId("job-title")).toHaveText(`${HOSTILE.title} ${marker}`);
    // The editor's form and its print preview show the text as text.
    await visit(page, `/jobs/${id}/cv`);
    const preview = page.frameLocator('[data-testid="cv-preview"]');
    await expect(preview.locator("header .headline")).toContainText(HOSTILE.title);
    // The contact line's links are the master CV's own; the hostile one stayed text.
    const hrefs = await preview.locator("a").evaluateAll((a) => a.map((e) => e.getAttribute("href") ?? ""));
    for (const href of hrefs) expect(href).toMatch(/^(https?:|mailto:)/);
    await expect(preview.locator("header .headline")).toContainText("javascript:window.__pwned");
    await assertInert(page, "editor after load");
  } finally {
    await request.put("/api/profile/resume", { headers: auth, data: resume });
    await request.delete(`/api/stars/${starId}`, { headers: auth });
  }
});

test("a cross-site form post is refused and changes nothing", async ({ page, request }) => {
  const res = await page.request.post("/api/auth/login", { data: DEMO });
  expect(res.status()).toBe(200);
  const auth = { Authorization: `Bearer ${(await res.json()).token}` };
  const before = await (await request.get("/api/jobs?limit=1", { headers: auth })).json();
  const target = before.items[0];
  // The browser's own cookie, sent by a page of another site.
  const forged = await page.request.post(`/forms/jobs/${target.id}/delete`, {
    headers: { Origin: "https://evil.example", "Sec-Fetch-Site": "cross-site" },
    form: {},
    maxRedirects: 0,
  });
  expect(forged.status()).toBe(403);
  expect((await request.get(`/api/jobs/${target.id}`, { headers: auth })).status()).toBe(200);
});
