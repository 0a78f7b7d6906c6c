import { expect, Page, test } from "@playwright/test";

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

/** Something unique to this run and project, for data a spec creates. */
export const unique = () => `${test.info().project.name}-${Date.now().toString(36)}`;
