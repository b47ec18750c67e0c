// Browser journeys with the browser's security on: CSP, CORS and SameSite as Chromium enforces
// them for anyone (the page's CSP is never bypassed and web security stays on; axe goes in through
// page.evaluate, as in check.mjs), and TLS checked against the portal's
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
//   spanish       #31 as it is checked from outside: the demo clinician switches to Español with
//                 the header's switch, reads the staff pages (the worklist, a chart and every
//                 section, the queues) and issues an activation code; a Spanish browser
//                 (Accept-Language: es, locale es-ES) signs up at the provider in Spanish (e-mail
//                 code, password, MFA phone), links that record and walks every page the
//                 navigation reaches. Every page, the provider's included: <html lang="es">, no
//                 English message left (english-left.mjs), at most 320 px wide at 320 px, no axe
//                 violation. The clinician switches back to English.
//
// Usage: node journeys.mjs PORTAL_URL EMULATOR_URL JOURNEY...
// The environment is the portal's own (PORTAL_DATA_DIR, PORTAL_PUBLIC_URL, ...): apps are
// registered with `$PORTAL_BIN apps add` against the same database. SMART_PYTHON is the Python
// with fhirclient installed (smart-python). Each journey prints what it checked; exit 1 if any
// failed.
import { spawn, execFileSync } from "node:child_process";
import { X509Certificate, createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { englishIn, englishPhrases, spanishMessages } from "./english-left.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const [portal, emulator, ...wanted] = process.argv.slice(2);
if (!portal || !emulator || wanted.length === 0) {
  console.error("usage: node journeys.mjs PORTAL_URL EMULATOR_URL smart-js|smart-deny|smart-python|break-glass|profile-edit|external-id|spanish...");
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
async function person(journal, options = {}) {
  const context = await browser.newContext(options);
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

// ---- spanish (#31) ----

const axeSource = readFileSync(join(here, "node_modules/axe-core/axe.min.js"), "utf8");
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

// What a page shows a reader: its title, its body's rendered text and the words of title,
// aria-label, alt and placeholder attributes (and a button input's value). Closed <details> are
// opened first: their content is one click away.
async function shownTexts(page) {
  return await page.evaluate(() => {
    for (const d of document.querySelectorAll("details:not([open])")) d.open = true;
    const texts = [document.title, document.body ? document.body.innerText : ""];
    for (const el of document.querySelectorAll("[title], [aria-label], [alt], [placeholder], input[type=submit][value], input[type=button][value]")) {
      for (const a of ["title", "aria-label", "alt", "placeholder"]) if (el.getAttribute(a)) texts.push(el.getAttribute(a));
      if (el.tagName === "INPUT" && /^(submit|button)$/.test(el.type)) texts.push(el.value);
    }
    return { lang: document.documentElement.getAttribute("lang"), texts };
  });
}

// One page in Spanish: lang, English left, axe (at the window's width), reflow at 320 px.
// Problems are collected, not thrown: one run reports all of them.
async function checkSpanish(page, what, walk) {
  await page.waitForLoadState();
  const url = page.url().replace(portal, "").replace(emulator, "(emulator)") || "/";
  const where = `${what} [${url}]`;
  walk.pages.push(where);
  const { lang, texts } = await shownTexts(page);
  if (lang !== "es") walk.problems.push(`${where}: <html lang="${lang}">, not "es"`);
  for (const f of englishIn(texts, walk.phrases)) {
    walk.problems.push(`${where}: English left: "${f.en}" (${f.key}, ${f.file}) in "…${f.around}…"`);
  }
  const axe = await axeRun(page);
  if (axe.passes.length === 0) walk.problems.push(`${where}: axe found nothing to check`);
  for (const v of axe.violations) {
    walk.problems.push(`${where}: axe ${v.id} [${v.impact}] ${v.help}: ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  }
  const wide = await widthAt320(page);
  if (wide.width > 320) walk.problems.push(`${where}: ${wide.width}px wide at 320 px: ${wide.culprits.join(", ")}`);
}

// axe on the page as it is (at the window's width). Its source goes in through the DevTools
// protocol (Runtime.evaluate), which the page's CSP does not apply to, as in check.mjs.
async function axeRun(page) {
  await page.evaluate(axeSource);
  return await page.evaluate(async (tags) => await window.axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
}

// The page's width (documentElement.scrollWidth) in a 320 px window, and the widest elements
// when it is wider (not those inside a scrolling region of their own, such as a wide table's).
async function widthAt320(page) {
  const original = page.viewportSize();
  await page.setViewportSize({ width: 320, height: 800 });
  try {
    return await page.evaluate(() => {
      const width = document.documentElement.scrollWidth;
      const culprits = width <= 320 ? [] : [...document.body.querySelectorAll("*")]
        .filter((el) => el.getBoundingClientRect().right > 321 && !el.closest("[role=region][tabindex]"))
        .map((el) => `${el.tagName.toLowerCase()}${typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : ""} (${Math.round(el.getBoundingClientRect().right)}px)`);
      return { width, culprits: culprits.slice(-3) };
    });
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

// Where a link may lead in a walk: the same kind of page once (ids, codes and dates are one
// kind: /records/labs/2345-7 and /records/labs/4548-4 are one page), no downloads.
function pageKind(u) {
  const path = u.pathname.split("/").map((s) => (/\d/.test(s) ? ":id" : s)).join("/");
  return `${path}?${[...u.searchParams.keys()].sort().join("&")}`;
}
const DOWNLOADS = /\/export(\/|$)|\.ics$|\/attachments?\/|\/health-card\/|\.well-known|\/fhir\//;

// Visits the start paths (each of them) and every portal page their header navigation and main
// content link to, for which `within(path)` holds, breadth first, each kind of page once; checks
// each.
async function walkSpanish(page, starts, within, walk, who) {
  const queue = starts.map((s) => ({ u: new URL(s, portal), start: true }));
  const kinds = new Set();
  while (queue.length) {
    const { u, start } = queue.shift();
    if (u.origin !== new URL(portal).origin || !within(u.pathname) || DOWNLOADS.test(u.pathname)) continue;
    const kind = pageKind(u);
    if (kinds.has(kind) && !start) continue;
    kinds.add(kind);
    let response;
    try {
      response = await page.goto(u.href);
    } catch (e) {
      // A file the browser downloads (a PDF note's content) is no page.
      if (!/Download is starting/.test(e.message)) throw e;
      walk.notes.push(`${who}: ${u.pathname} is a download: not checked`);
      continue;
    }
    const type = response?.headers()["content-type"] || "";
    if (!type.startsWith("text/html")) {
      walk.notes.push(`${who}: ${u.pathname} is ${type || "not a page"}: not checked`);
      continue;
    }
    await checkSpanish(page, who, walk);
    if (!page.url().startsWith(`${portal}/`)) continue; // e.g. the provider's profile edit: checked, not followed
    const links = await page.$$eval("header a[href], main a[href], main iframe[src]",
      (els) => els.map((e) => e.href || e.src).filter(Boolean));
    for (const href of links) queue.push({ u: new URL(href), start: false });
  }
}

// A SMART standalone launch's authorize URL for a registered app (as check.mjs makes it).
function smartAuthorizeUrl(clientId, redirectUri) {
  const verifier = randomBytes(48).toString("base64url");
  const q = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, state: randomBytes(12).toString("hex"),
    scope: "launch/patient openid fhirUser offline_access patient/*.rs", aud: `${portal}/fhir/r4`,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"), code_challenge_method: "S256",
  });
  return `${portal}/smart/authorize?${q}`;
}

// A one-time code sent to `to` by the emulator after `before` earlier ones: read from its
// outbox (newest first). The code is in the outbox when the page that sent it has loaded; a
// slow write is waited for, within the journeys' bounded wait.
async function newCodeFor(page, to, before) {
  const messages = await until(`a new code for ${to} in the emulator's outbox`, async () => {
    const found = await messagesTo(page.context(), to);
    return found.length > before ? found : null;
  });
  return messages[0].match(/\b\d{6}\b/)[0];
}

async function spanish(journal) {
  const walk = { phrases: englishPhrases(), pages: [], problems: [], notes: [] };
  const es = spanishMessages();
  const t = (key) => {
    const v = es.get(key);
    if (!v) throw new Error(`no one-line Spanish message ${key}`);
    return v;
  };
  check(walk.phrases.length > 100, `only ${walk.phrases.length} English phrases read from the message files`);

  // Each check must be able to fail. The English start page: its English messages are found,
  // its lang is "en"; with an image without a text alternative and a 400 px wide block put in,
  // axe and the width find them.
  const english = await person(journal, { locale: "en-US", extraHTTPHeaders: { "Accept-Language": "en" } });
  await english.goto(portal);
  const shownInEnglish = await shownTexts(english);
  const seenInEnglish = englishIn(shownInEnglish.texts, walk.phrases);
  check(seenInEnglish.length >= 3, `the English start page shows ${seenInEnglish.length} English messages: the check finds nothing`);
  check(shownInEnglish.lang === "en", `the English start page says lang="${shownInEnglish.lang}"`);
  await english.evaluate(() => {
    const img = document.createElement("img");
    img.src = "/assets/favicon.svg";
    const wide = document.createElement("div");
    wide.style.width = "400px";
    wide.style.height = "1px";
    document.querySelector("main").append(img, wide);
  });
  // The page's CSP is enforced (script-src 'self'): an inline script put into the page does not
  // run. A browser that bypassed CSP would run it, and every check below would mean less.
  const inlineRan = await english.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inlineRan = true";
    document.body.append(s);
    return window.__inlineRan === true;
  });
  check(!inlineRan, "an inline script ran on the portal's page: this browser does not enforce the page's CSP");
  const planted = await axeRun(english);
  check(planted.violations.some((v) => v.id === "image-alt"), "axe did not find an image without a text alternative");
  const plantedWidth = await widthAt320(english);
  check(plantedWidth.width > 320, `a 400 px block left the page ${plantedWidth.width}px wide at 320 px`);
  await english.context().close();

  // The demo clinician, in an English browser, switches to Español with the header's switch.
  const clinician = await person(journal, { locale: "en-US" });
  let switchedBack = false;
  let code;
  let birthDate;
  try {
    await signInTo(clinician, CLINICIAN, "/staff");
    await clinician.getByRole("button", { name: t("language-own-name"), exact: true }).click();
    await clinician.locator('html[lang="es"]').waitFor({ state: "attached" });
    // MRN-100003: on the demo clinician's care team, no account yet. Their chart, opened from
    // the search, then every staff page the navigation and the chart reach.
    await clinician.goto(`${portal}/staff?q=MRN-100003`);
    await checkSpanish(clinician, "staff search", walk);
    await clinician.locator('main table a[href^="/staff/patients/"]').first().click();
    await clinician.waitForURL(/\/staff\/patients\/[0-9a-f-]+$/);
    const chart = new URL(clinician.url()).pathname;
    birthDate = await clinician.locator(".patient-heading time[datetime]").first().getAttribute("datetime");
    check(/^\d{4}-\d{2}-\d{2}$/.test(birthDate || ""), `the chart gives no date of birth (${birthDate})`);
    // The walk keeps to this chart (and the pages outside charts): a chart outside the care team
    // offers break-the-glass, which the break-glass journey checks.
    const missing = "/staff/patients/00000000-0000-4000-8000-000000000000"; // a 404
    const staffPages = (path) => path === missing || (path.startsWith("/staff") &&
      (!path.startsWith("/staff/patients/") || path.startsWith(chart)));
    await walkSpanish(clinician, [chart, "/staff", "/staff/messages", "/staff/appointments", "/staff/renewals", missing],
      staffPages, walk, "clinician");
    // The activation code for the newcomer below, issued in Spanish; its printable sheet.
    await clinician.goto(`${portal}${chart}`);
    await clinician.getByRole("button", { name: t("staff-panel-issue"), exact: true }).click();
    const sheet = clinician.locator(".activation-code code");
    await sheet.waitFor();
    code = (await sheet.textContent()).trim();
    await checkSpanish(clinician, "clinician: activation code sheet", walk);
  } finally {
    // The choice is kept on the account: later journeys expect the clinician in English.
    if (!clinician.isClosed()) {
      await clinician.goto(`${portal}/staff`);
      const back = clinician.getByRole("button", { name: "English", exact: true });
      if (await back.count()) {
        await back.click();
        await clinician.locator('html[lang="en"]').waitFor({ state: "attached" });
        switchedBack = true;
      }
    }
  }
  check(switchedBack, "the clinician could not switch back to English");
  await clinician.context().close();

  // A Spanish browser signs up at the provider, in Spanish.
  const patient = await person(journal, { locale: "es-ES", extraHTTPHeaders: { "Accept-Language": "es" } });
  const email = `es.${Date.now()}@example.com`;
  const phone = { national: "(202) 555-0177", e164: "+12025550177" };
  const seen = providerTraffic(patient);
  await patient.goto(portal);
  await checkSpanish(patient, "landing page", walk);
  await patient.getByRole("link", { name: t("nav-sign-in") }).first().click();
  await patient.waitForURL(`${emulator}/**`);
  check(seen.authorize?.searchParams.get("ui_locales") === "es",
    `the portal asked the provider for ui_locales=${seen.authorize?.searchParams.get("ui_locales")}, not es`);
  await checkSpanish(patient, "provider: sign-in", walk);
  await patient.getByRole("link", { name: t("signin-sign-up-now") }).click();
  await patient.getByLabel(t("emu-email")).waitFor();
  await checkSpanish(patient, "provider: sign-up", walk);
  await patient.getByLabel(t("emu-email")).fill(email);
  await patient.getByRole("button", { name: t("emu-send-verification-code"), exact: true }).click();
  await patient.getByLabel(t("emu-verification-code")).waitFor();
  await checkSpanish(patient, "provider: sign-up, code sent", walk);
  await patient.getByLabel(t("emu-verification-code")).fill(await newCodeFor(patient, email, 0));
  await patient.getByRole("button", { name: t("emu-verify-code"), exact: true }).click();
  await patient.getByText(t("emu-email-verified")).waitFor();
  await checkSpanish(patient, "provider: sign-up, e-mail verified", walk);
  await patient.getByLabel(t("emu-new-password"), { exact: true }).fill("Contrasena-Firme-42");
  await patient.getByLabel(t("emu-confirm-password")).fill("Contrasena-Firme-42");
  await patient.getByLabel(t("emu-given-name")).fill("Lucía");
  await patient.getByLabel(t("emu-surname")).fill("Fernández");
  await patient.getByLabel(t("emu-country")).selectOption("US");
  await patient.getByRole("button", { name: t("signup-create"), exact: true }).click();
  await patient.getByLabel(t("mfa-phone-number")).waitFor();
  await checkSpanish(patient, "provider: MFA enrolment", walk);
  await patient.getByLabel(t("mfa-phone-number")).fill(phone.national);
  await patient.getByRole("button", { name: t("mfa-send-code"), exact: true }).click();
  await patient.getByLabel(t("emu-verification-code")).waitFor();
  await checkSpanish(patient, "provider: MFA, code sent", walk);
  await patient.getByLabel(t("emu-verification-code")).fill(await newCodeFor(patient, phone.e164, 0));
  await patient.getByRole("button", { name: t("mfa-verify"), exact: true }).click();
  await patient.waitForURL(`${portal}/**`);

  // In the portal, with no record yet: link MRN-100003's with the clinician's code.
  await patient.goto(`${portal}/records`);
  await patient.waitForURL(`${portal}/activate`);
  await checkSpanish(patient, "link your record", walk);
  await patient.getByLabel(t("activate-code")).fill(code);
  await patient.getByLabel(t("records-born")).fill(birthDate);
  await patient.getByRole("button", { name: t("activate-submit"), exact: true }).click();
  await patient.waitForURL((u) => u.pathname !== "/activate");

  // What a patient does that makes more pages: a message to the care team (its conversation),
  // an appointment request (on the list), a share link (its card), a SMART app's consent.
  await patient.goto(`${portal}/messages/new`);
  await patient.getByLabel(t("messages-new-category")).selectOption("result");
  await patient.getByLabel(t("messages-subject")).fill("Una pregunta sobre mis análisis");
  await patient.getByLabel(t("messages-new-body")).fill("Buenos días:\n¿Puedo hablar con alguien sobre mis resultados?");
  await patient.getByRole("button", { name: t("messages-new-send"), exact: true }).click();
  await patient.waitForURL(/\/messages\/[0-9a-f-]+\?sent=/);
  await checkSpanish(patient, "patient: a message sent", walk);
  await patient.goto(`${portal}/appointments`);
  await patient.getByLabel(t("appt-what-for")).fill("Control de la presión arterial");
  await patient.getByLabel(t("weekday-2"), { exact: true }).check();
  await patient.getByLabel(t("appt-mornings"), { exact: true }).check();
  await patient.getByLabel(t("appt-video-call"), { exact: true }).check();
  await patient.getByRole("button", { name: t("appt-send"), exact: true }).click();
  await patient.waitForURL(`${portal}/appointments`);
  await checkSpanish(patient, "patient: an appointment requested", walk);
  await patient.goto(`${portal}/share/new`);
  await patient.getByLabel(t("share-new-label")).fill("Para la Dra. Ortega");
  await patient.getByRole("button", { name: t("share-new-make"), exact: true }).click();
  await patient.waitForURL((u) => u.pathname !== "/share/new");
  await checkSpanish(patient, "patient: a share link made", walk);
  await patient.goto(smartAuthorizeUrl(registerApp("Aplicación de prueba", "http://127.0.0.1:9/callback", false).clientId,
    "http://127.0.0.1:9/callback"));
  await patient.waitForURL(`${portal}/smart/consent?**`);
  await checkSpanish(patient, "patient: a SMART app's consent", walk);

  // Every page the patient's navigation reaches, and a page that is not there.
  const patientPages = (path) => path === "/" || /^\/(home|records|messages|appointments|account|share|acting)(\/|$)/.test(path);
  const starts = ["/home", "/records", "/messages", "/messages/new", "/appointments", "/records/medications",
    "/account", "/records/access-log", "/share", "/share/new", "/account/proxies", "/nowhere-at-all"];
  await walkSpanish(patient, starts, (path) => path === "/nowhere-at-all" || patientPages(path), walk, "patient");

  // A proxy's pages (#29): the demo patient, in English, invites the Spanish account to act for
  // them with every permission; it accepts from the development outbox and reads their record.
  const inviter = await person(journal, { locale: "en-US" });
  await signInTo(inviter, PATIENT, "/account/proxies");
  await inviter.getByLabel("Their e-mail address").fill(email);
  for (const box of await inviter.locator('main input[type=checkbox][name="scope"]').all()) await box.check();
  await inviter.getByRole("button", { name: "Send the invitation", exact: true }).click();
  await inviter.waitForURL(`${portal}/account/proxies?invited=1`);
  await inviter.context().close();
  // The mail goes out from the queue within seconds: a bounded wait for it.
  const accept = await until(`the invitation to ${email} in the development outbox`, async () => {
    await patient.goto(`${portal}/dev/outbox`);
    return (await patient.locator("main").innerText()).match(/\/proxy\/accept\?token=[A-Za-z0-9_-]+/)?.[0];
  });
  // (The outbox itself is not checked: each mail in it is in its recipient's language.)
  await patient.goto(`${portal}${accept}`);
  await checkSpanish(patient, "proxy: the invitation", walk);
  await patient.getByRole("button", { name: t("proxy-accept-submit"), exact: true }).click();
  await patient.waitForURL((u) => !u.pathname.startsWith("/proxy/accept"));
  await walkSpanish(patient, ["/acting"], (path) => path.startsWith("/acting"), walk, "proxy");
  await patient.context().close();

  for (const n of walk.notes) journal.push(`note: ${n}`);
  const pages = walk.pages.length;
  if (walk.problems.length) {
    throw new Error(`${walk.problems.length} problem(s) on ${pages} Spanish pages:\n  ${walk.problems.join("\n  ")}\n` +
      `  (pages checked: ${walk.pages.join("; ")})`);
  }
  return `${pages} pages in Spanish (${walk.phrases.length} English messages looked for; the English start page shows ` +
    `${seenInEnglish.length}): lang="es", no English left, 320 px, axe clean: ${walk.pages.join("; ")}`;
}

const JOURNEYS = { spanish, "smart-js": smartJs, "smart-deny": smartDeny, "smart-python": smartPython, "break-glass": breakGlass, "profile-edit": profileEdit, "external-id": externalId };

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
