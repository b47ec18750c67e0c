// Browser journeys with the browser's security on: CSP, CORS and SameSite as Chromium enforces
// them for anyone (no bypassCSP, no disabled web security), and TLS checked against the portal's
// own development certificate (pinned by its key), not ignored.
//
//   smart-js      the official JS SMART client (npm fhirclient) in a page on its own loopback
//                 origin: standalone launch, the patient signs in with MFA and allows, the page
//                 completes FHIR.oauth2.ready() and reads Patient, lab Observations, Conditions
//   smart-deny    the same app; the patient chooses "Do not allow", and the app learns it
//                 (error=access_denied at its redirect URI)
//   smart-python  the Python fhirclient (4.4.0) as a confidential server app (smart_app.py):
//                 the browser does the patient's part, the app exchanges the code with its
//                 secret and reads the Patient and lab Observations
//   break-glass   a clinician opens a chart outside the care team: a reason, a fresh MFA
//                 sign-in, the chart (in the portal's AZURE_AD_B2C_RESPONSE_MODE, query or
//                 form_post)
//   profile-edit  a patient edits their profile through B2C's profile-edit flow and is back on
//                 /account with the new name (in the portal's response mode)
//   external-id   a patient signs in through Entra External ID (the emulator's flavour) and
//                 ends on a signed-in page
//
// Usage: node journeys.mjs PORTAL_URL EMULATOR_URL JOURNEY...
// The environment is the portal's own (PORTAL_DATA_DIR, PORTAL_PUBLIC_URL, ...): apps are
// registered with `$PORTAL_BIN apps add` against the same database. SMART_PYTHON is the Python
// with fhirclient installed (smart-python). Each journey prints what it checked; exit 1 if any
// failed.
import { spawn, execFileSync } from "node:child_process";
import { X509Certificate, createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const [portal, emulator, ...wanted] = process.argv.slice(2);
if (!portal || !emulator || wanted.length === 0) {
  console.error("usage: node journeys.mjs PORTAL_URL EMULATOR_URL smart-js|smart-deny|smart-python|break-glass|profile-edit|external-id...");
  process.exit(2);
}
const portalBin = process.env.PORTAL_BIN || join(here, "../../target/debug/patient-portal");
const dataDir = process.env.PORTAL_DATA_DIR;
const responseMode = process.env.AZURE_AD_B2C_RESPONSE_MODE || "query";
const callbackPath = process.env.AZURE_AD_B2C_CALLBACK_PATH || "/signin-oidc";
const TIMEOUT = 30_000;

const PATIENT = { email: "patient@example.com", password: "Patient-Demo-2024", phone: "+12025550101" };
const CLINICIAN = { email: "clinician@example.com", password: "Clinician-Demo-2024", phone: "+12025550102" };

// The portal and the emulator serve the development certificate generated into the data dir;
// Chromium trusts exactly that key and checks every other certificate as usual.
const certFile = process.env.PORTAL_CA_FILE || (dataDir && join(dataDir, "localhost-cert.pem"));
if (!certFile) {
  console.error("PORTAL_DATA_DIR (or PORTAL_CA_FILE) must name the portal's development certificate");
  process.exit(2);
}
const spki = createHash("sha256")
  .update(new X509Certificate(readFileSync(certFile)).publicKey.export({ type: "spki", format: "der" }))
  .digest("base64");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", `--ignore-certificate-errors-spki-list=${spki}`],
});

// A fresh browser profile for one person, recording what a developer would look for in the
// console when a step does not complete: CSP refusals, CORS refusals, failed requests.
async function person(journal) {
  const context = await browser.newContext();
  context.setDefaultTimeout(TIMEOUT);
  context.setDefaultNavigationTimeout(TIMEOUT);
  context.on("page", (page) => watch(page, journal));
  const page = await context.newPage();
  (journal.pages ??= []).push(page);
  return page;
}

function watch(page, journal) {
  page.on("console", (msg) => {
    if (msg.type() === "error" || msg.type() === "warning") journal.push(`console ${msg.type()} on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (e) => journal.push(`page error on ${page.url()}: ${e.message}`));
  page.on("requestfailed", (r) => journal.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  page.on("response", (r) => {
    if (r.status() >= 400) journal.push(`response ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
}

// Waits for a condition, polling; bounded. `what` (a string, or a function giving one when
// the wait has failed) names it in the error. An error made by fail() ends the wait at once.
async function until(what, fn, timeout = TIMEOUT) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      if (e.final) throw e;
      last = e; // e.g. a navigation destroyed the context: try again
    }
    if (Date.now() > deadline) {
      const described = typeof what === "function" ? what() : what;
      throw new Error(`timed out after ${timeout / 1000}s waiting for ${described}${last ? ` (${last.message})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function messagesTo(context, recipient) {
  const outbox = await context.newPage();
  try {
    await outbox.goto(`${emulator}/outbox`);
    const rows = await outbox.$$eval("tr.message", (trs) =>
      trs.map((tr) => [tr.querySelector("td.recipient")?.innerText.trim(), tr.querySelector("td.body")?.innerText || ""]));
    return rows.filter(([to]) => to === recipient).map(([, body]) => body);
  } finally {
    await outbox.close();
  }
}

// On the emulator's sign-in page (already there): password, then MFA with a new code from the
// emulator's outbox. Returns when the code is submitted.
async function emulatorSignIn(page, who) {
  await page.waitForURL(`${emulator}/**`);
  const email = page.getByLabel("Email Address");
  if ((await email.count()) && (await email.isEditable()) && !(await email.inputValue())) await email.fill(who.email);
  await page.getByLabel("Password").fill(who.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  const before = (await messagesTo(page.context(), who.phone)).length;
  await page.getByRole("button", { name: "Send Code" }).click();
  const messages = await until(`a new code for ${who.phone} in the emulator's outbox`, async () => {
    const m = await messagesTo(page.context(), who.phone);
    return m.length > before && m;
  }, 15_000);
  await page.getByLabel("Verification code").fill(messages[0].match(/\b\d{6}\b/)[0]);
  await page.getByRole("button", { name: "Verify Code" }).click();
}

function registerApp(name, redirectUri, confidential) {
  const args = ["apps", "add", "--name", name, "--redirect-uri", redirectUri];
  if (confidential) args.push("--confidential");
  const out = execFileSync(portalBin, args, { encoding: "utf8", env: process.env });
  const clientId = out.match(/^client_id: (\S+)/m)?.[1];
  const secret = out.match(/^client_secret: (\S+)/m)?.[1];
  if (!clientId || (confidential && !secret)) throw new Error(`apps add printed no client id/secret:\n${out}`);
  return { clientId, secret };
}

async function freePort() {
  const s = createServer();
  await new Promise((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

// On the consent page: everything ticked, "Allow"; the browser must then reach the app.
async function allowOnConsent(page, appOrigin) {
  await page.waitForURL(`${portal}/smart/consent?**`);
  const boxes = await page.locator("main input[type=checkbox]").count();
  await page.getByRole("button", { name: "Allow", exact: true }).click();
  await until(() => `the browser to leave the consent page for the app at ${appOrigin} (it is on ${page.url()})`,
    () => page.url().startsWith(`${appOrigin}/`), 20_000);
  return boxes;
}

// The text of the element with this id on the page as it is now, "" if there is none.
async function textOf(page, id) {
  return await page.evaluate((id) => document.getElementById(id)?.textContent.trim() || "", id);
}

async function resultOf(page) {
  const text = await until("the app's #result or #error", async () => {
    const e = await textOf(page, "error");
    if (e) throw fail(`the app reports: ${e}`);
    return await textOf(page, "result");
  });
  return JSON.parse(text);
}

function fail(message) {
  return Object.assign(new Error(message), { final: true });
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

// ---- journeys ----

// The JS app: its pages, fhirclient's browser build and its settings (config.js) from a static
// server on its own loopback origin, with the app's own strict CSP.
async function startJsApp() {
  const files = {
    "/launch.html": ["text/html", readFileSync(join(here, "js-app/launch.html"))],
    "/app.html": ["text/html", readFileSync(join(here, "js-app/app.html"))],
    "/launch.js": ["text/javascript", readFileSync(join(here, "js-app/launch.js"))],
    "/app.js": ["text/javascript", readFileSync(join(here, "js-app/app.js"))],
    "/fhir-client.js": ["text/javascript", readFileSync(join(here, "node_modules/fhirclient/build/fhir-client.pure.min.js"))],
  };
  const portalOrigin = new URL(portal).origin;
  const app = { config: "" };
  app.server = createServer((req, res) => {
    const path = new URL(req.url, "http://x").pathname;
    const file = path === "/config.js" ? ["text/javascript", app.config] : files[path];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, {
      "Content-Type": `${file[0]}; charset=utf-8`,
      "Cache-Control": "no-store",
      // The app's own strict CSP: its scripts, and requests to the portal alone.
      "Content-Security-Policy": `default-src 'none'; script-src 'self'; connect-src ${portalOrigin}; base-uri 'none'; form-action 'none'`,
    });
    res.end(file[1]);
  });
  await new Promise((r) => app.server.listen(0, "127.0.0.1", r));
  app.origin = `http://127.0.0.1:${app.server.address().port}`;
  app.iss = `${portal}/fhir/r4`;
  const registered = registerApp("JS SMART journey", `${app.origin}/app.html`, false);
  app.clientId = registered.clientId;
  app.config = `window.APP_CONFIG = ${JSON.stringify({ iss: app.iss, clientId: app.clientId, scope: "launch/patient openid fhirUser offline_access patient/*.rs" })};`;
  return app;
}

// The patient opens the JS app, which sends them (after discovery) to sign in; they do, with MFA,
// and are on the consent page.
async function launchJsApp(app, journal) {
  const page = await person(journal);
  await page.goto(`${app.origin}/launch.html`);
  await until(`fhirclient to send the browser to sign in (discovery at ${app.iss} from ${app.origin})`, async () => {
    if (page.url().startsWith(`${emulator}/`)) return true;
    const e = await textOf(page, "error");
    if (e) throw fail(e);
    return false;
  }).catch((e) => { throw new Error(`launch: ${e.message}`); });
  await emulatorSignIn(page, PATIENT);
  await page.waitForURL(`${portal}/smart/consent?**`);
  return page;
}

async function smartJs(journal) {
  const app = await startJsApp();
  try {
    const page = await launchJsApp(app, journal);
    const boxes = await allowOnConsent(page, app.origin);
    const r = await resultOf(page);
    check(r.resourceType === "Patient" && r.patientId, `no Patient came back: ${JSON.stringify(r)}`);
    check(r.name, `the Patient has no name: ${JSON.stringify(r)}`);
    check(r.labBundle === "Bundle" && r.labEntries > 0, `no lab Observations came back: ${JSON.stringify(r)}`);
    check(r.refreshed === "ok", `fhirclient's refresh (refresh_token alone, as a public client) ${r.refreshed}`);
    await page.context().close();
    return `public client ${app.clientId} on ${app.origin}: discovery and token by CORS, consent (${boxes} permissions) ` +
      `redirected to the app under CSP; read Patient/${r.patientId} (${r.name}), ${r.labEntries} lab Observations ` +
      `(first: ${r.firstLab}), ${r.conditionEntries} Conditions; granted "${r.scope}"; refreshed the token and read again`;
  } finally {
    app.server.close();
  }
}

// "Do not allow" must reach the app too (error=access_denied), under the same CSP.
async function smartDeny(journal) {
  const app = await startJsApp();
  try {
    const page = await launchJsApp(app, journal);
    await page.getByRole("button", { name: "Do not allow", exact: true }).click();
    await until(() => `the browser to leave the consent page for the app at ${app.origin} (it is on ${page.url()})`,
      () => page.url().startsWith(`${app.origin}/`), 20_000);
    const answer = new URL(page.url()).searchParams;
    check(answer.get("error") === "access_denied", `the app got ${answer} instead of error=access_denied`);
    check(!answer.get("code"), "the app got a code after \"Do not allow\"");
    const shown = await until("the app's #error", () => textOf(page, "error"));
    await page.context().close();
    return `"Do not allow" redirected to ${app.origin}/app.html with error=access_denied under CSP; fhirclient says: ` +
      `${shown.split("\n")[0].slice(0, 120)}`;
  } finally {
    app.server.close();
  }
}

async function smartPython(journal) {
  const python = process.env.SMART_PYTHON;
  if (!python) throw new Error("SMART_PYTHON must name a Python with fhirclient 4.4.0");
  const port = await freePort();
  const appOrigin = `http://127.0.0.1:${port}`;
  const app = registerApp("Python SMART journey", `${appOrigin}/callback`, true);
  const child = spawn(python, [join(here, "smart_app.py")], {
    env: {
      ...process.env, FHIR_BASE: `${portal}/fhir/r4`, CLIENT_ID: app.clientId, CLIENT_SECRET: app.secret,
      REDIRECT_URI: `${appOrigin}/callback`, PORT: String(port), REQUESTS_CA_BUNDLE: certFile,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (d) => { out += d; });
  child.stderr.on("data", (d) => { journal.push(`smart_app.py: ${String(d).trimEnd()}`); });
  try {
    await until("smart_app.py to listen", () => {
      if (child.exitCode !== null) throw fail(`smart_app.py exited with ${child.exitCode}`);
      return out.includes("listening on");
    }, 15_000);
    const page = await person(journal);
    await page.goto(`${appOrigin}/launch`, { waitUntil: "commit" });
    await emulatorSignIn(page, PATIENT);
    const boxes = await allowOnConsent(page, appOrigin);
    const r = await resultOf(page);
    check(r.patient_id, `no Patient came back: ${JSON.stringify(r)}`);
    check(r.patient_name && r.patient_name !== "Unknown", `the Patient has no name: ${JSON.stringify(r)}`);
    check(r.lab_observations > 0, `no lab Observations came back: ${JSON.stringify(r)}`);
    check(r.authenticated_with_secret, "the app did not authenticate with its secret");
    check(r.refreshed, "fhirclient's refresh gave no new access token");
    await page.context().close();
    return `confidential client ${app.clientId} (HTTP Basic at the token endpoint): consent (${boxes} permissions) ` +
      `redirected to ${appOrigin}/callback under CSP; fhirclient read Patient/${r.patient_id} (${r.patient_name}, ` +
      `born ${r.birth_date}) and ${r.lab_observations} lab Observations (first: ${r.first_lab}); granted "${r.granted_scope}"; ` +
      "refreshed the token and read again";
  } finally {
    child.kill();
  }
}

async function signInTo(page, who, returnUrl) {
  await page.goto(`${portal}/signin?returnUrl=${encodeURIComponent(returnUrl)}`);
  await emulatorSignIn(page, who);
  await page.waitForURL(`${portal}${returnUrl}`);
}

async function breakGlass(journal) {
  const page = await person(journal);
  const seen = providerTraffic(page);
  await signInTo(page, CLINICIAN, "/staff");
  // MRN-100006 is outside the demo clinician's care team.
  await page.goto(`${portal}/staff?q=MRN-100006`);
  await page.locator('main table a[href^="/staff/patients/"]').first().click();
  await page.waitForURL(/\/staff\/patients\/[0-9a-f-]+$/);
  const chartUrl = page.url();
  await page.getByRole("link", { name: "Break the glass" }).click();
  await page.waitForURL(`${chartUrl}/break-glass`);
  await page.getByLabel("Emergency treatment").check();
  await page.getByLabel(/What is happening/).fill("CI journey: unconscious in the emergency department");
  seen.callbacks.length = 0;
  seen.authorize = null;
  await page.getByRole("button", { name: "Sign in again and open the chart" }).click();
  await emulatorSignIn(page, CLINICIAN);
  await until(() => `the chart at ${chartUrl} after the fresh sign-in (the browser is on ${page.url()})`,
    () => page.url() === chartUrl);
  await page.waitForLoadState();
  const h1 = (await page.locator("main h1").first().textContent())?.trim();
  const stillRefused = await page.getByRole("link", { name: "Break the glass" }).count();
  check(!stillRefused, `the chart still answers with the break-the-glass offer (h1: ${h1})`);
  check(await page.locator("main").getByText(/MRN-100006/).count(), `the chart does not show MRN-100006 (h1: ${h1})`);
  check(seen.authorize?.searchParams.get("prompt") === "login", "the re-authentication did not ask the provider for prompt=login");
  const mode = checkResponseMode(seen);
  await page.context().close();
  return `response mode ${responseMode}: prompt=login, the provider's answer ${mode}; ` +
    `the clinician's fresh MFA sign-in opened ${chartUrl} ("${h1}")`;
}

// Records the page's navigations to the portal's reply path (their methods) and its first
// navigation to the provider's authorize endpoint. (Not the browser's own favicon request, which
// the portal also sends to sign in.)
function providerTraffic(page) {
  const seen = { callbacks: [], authorize: null };
  page.on("request", (r) => {
    if (!r.isNavigationRequest() || r.frame() !== page.mainFrame()) return;
    if (r.url().startsWith(`${portal}${callbackPath}`)) seen.callbacks.push(r.method());
    if (r.url().startsWith(`${emulator}/`) && /\/authorize\?/.test(r.url())) seen.authorize ??= new URL(r.url());
  });
  return seen;
}

// The provider's answer is the first navigation to the reply path (the portal may go on with a
// same-site GET of its own after a form_post).
function checkResponseMode(seen) {
  const want = responseMode === "form_post" ? "POST" : "GET";
  check(seen.callbacks[0] === want,
    `the provider's answer came as ${seen.callbacks.join(", ") || "nothing"} to ${callbackPath}, not ${want}`);
  const crossSite = new URL(portal).hostname !== new URL(emulator).hostname;
  return `a ${crossSite ? "cross-site" : "same-site"} ${want} to ${callbackPath}`;
}

// B2C's profile-edit flow: its answer comes back like a sign-in's and must find the session.
async function profileEdit(journal) {
  const page = await person(journal);
  const seen = providerTraffic(page);
  await signInTo(page, PATIENT, "/account");
  seen.callbacks.length = 0;
  seen.authorize = null;
  await page.getByRole("link", { name: "Edit your profile" }).click();
  await page.waitForURL(`${emulator}/**`);
  const given = `Alexa${Date.now() % 1000}`;
  await page.getByLabel("Given Name").fill(given);
  await page.getByRole("button", { name: "Continue" }).click();
  await until(() => `the account page after the profile edit (the browser is on ${page.url()})`,
    () => page.url() === `${portal}/account`);
  await page.waitForLoadState();
  const signedInAs = await page.evaluate((given) => [...document.querySelectorAll("main p"), ...document.querySelectorAll("header")]
    .map((el) => el.textContent.trim().replace(/\s+/g, " ")).find((t) => /signed in as/i.test(t) && t.includes(given)), given);
  check(signedInAs, `the account page does not say who is signed in with the new name ${given}`);
  const mode = checkResponseMode(seen);
  await page.context().close();
  return `the edit flow's answer ${mode}; back on /account: "${signedInAs}"`;
}

async function externalId(journal) {
  const page = await person(journal);
  const seen = providerTraffic(page);
  await page.goto(portal);
  await page.getByRole("link", { name: "Sign in" }).first().click();
  await page.waitForURL(`${emulator}/**`);
  check(seen.authorize, "no authorize request to the provider");
  const authorize = seen.authorize;
  check(/^\/[0-9a-f-]{36}\/oauth2\/v2.0\/authorize$/.test(authorize.pathname),
    `not an External ID (tenant id) authorize path: ${authorize.pathname}`);
  await emulatorSignIn(page, PATIENT);
  await until(() => `the portal after the External ID sign-in (the browser is on ${page.url()})`,
    () => page.url().startsWith(`${portal}/`) && !page.url().includes(callbackPath));
  await page.goto(`${portal}/records`);
  await page.waitForURL(`${portal}/records`);
  const h1 = (await page.locator("main h1").first().textContent())?.trim();
  check(await page.getByRole("button", { name: /sign out/i }).count() + await page.getByRole("link", { name: /sign out/i }).count(),
    "no way to sign out: not signed in?");
  const mode = checkResponseMode(seen);
  await page.context().close();
  return `signed in through ${authorize.pathname} (response_mode=${authorize.searchParams.get("response_mode")}) ` +
    `with MFA, the answer ${mode}; read /records ("${h1}") signed in`;
}

const JOURNEYS = { "smart-js": smartJs, "smart-deny": smartDeny, "smart-python": smartPython, "break-glass": breakGlass, "profile-edit": profileEdit, "external-id": externalId };

let passed = 0;
let failed = 0;
for (const name of wanted) {
  const run = JOURNEYS[name];
  if (!run) {
    console.error(`unknown journey ${name}`);
    failed++;
    continue;
  }
  const journal = [];
  const started = Date.now();
  try {
    const what = await run(journal);
    passed++;
    console.log(`PASS ${name} (${((Date.now() - started) / 1000).toFixed(1)}s): ${what}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name} (${((Date.now() - started) / 1000).toFixed(1)}s): ${e.message}`);
    for (const page of journal.pages || []) {
      if (page.isClosed()) continue;
      const shown = await page.evaluate(() => [document.querySelector("h1")?.textContent,
        ...[...document.querySelectorAll(".error, [role=alert]")].map((el) => el.textContent)]
        .filter(Boolean).map((t) => t.trim().replace(/\s+/g, " ")).join(" | ")).catch(() => "");
      console.log(`    the browser ended on ${page.url()}: ${shown}`);
    }
    for (const line of journal) console.log(`    ${line}`);
  }
}
await browser.close();
console.log(`journeys: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
