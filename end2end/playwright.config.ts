import { defineConfig } from "@playwright/test";

// Flags that let Debian's Chromium run here (root, no display, closed network).
// Playwright adds --headless itself and refuses --user-data-dir.
const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: chromiumArgs,
};

// Every spec runs twice: hydrated, and with JavaScript disabled (the server-rendered path).
export default defineConfig({
  testDir: "./tests",
  workers: 1,
  retries: 0,
  timeout: 45_000,
  reporter: [["list"]],
  use: {
    baseURL: process.env.BASE_URL ?? "http://127.0.0.1:3000",
    trace: "off",
  },
  projects: [
    { name: "hydrated", use: { javaScriptEnabled: true, launchOptions } },
    { name: "no-js", use: { javaScriptEnabled: false, launchOptions } },
  ],
});
