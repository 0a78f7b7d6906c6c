import { test as base, expect, Page } from "@playwright/test";

/**
 * The suite's `test`: fails any spec whose page logged a console error or threw — a hydration
 * mismatch, for one, shows up only there.
 */
export const test = base.extend<{ browserErrors: string[] }>({
  browserErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      // A Content-Security-Policy violation is reported here too ("Refused to …"), so a
      // blocked script or style fails the spec.
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(e.message));
      await use(errors);
      expect(errors, "errors in the browser console").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

export const DEMO = { username: "demo", password: "jobintel-demo" };

/** True in the project that runs with JavaScript (and so hydration). */
export const hydrated = () => test.info().project.name === "hydrated";

/** Opens a page; with JavaScript on, waits until hydration has finished before acting. */
export async function visit(page: Page, path: string) {
  await page.goto(path);
  if (hydrated()) {
    await page.locator("body[data-hydrated=true]").waitFor();
  }
}

/** Signs in through the API; the browser context keeps the session cookie it sets. */
export async function signIn(page: Page, user = DEMO) {
  const res = await page.request.post("/api/auth/login", { data: user });
  expect(res.status()).toBe(200);
}

/**
 * Headers for a write sent with the session cookie outside the page (through `page.request`):
 * jobintel refuses cookie writes that do not show they come from its own origin.
 */
export const sameOrigin = () => ({ Origin: String(test.info().project.use.baseURL) });

/** Something unique to this run and project, for data a spec creates. */
export const unique = () => `${test.info().project.name}-${Date.now().toString(36)}`;
