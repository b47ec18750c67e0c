// Accessibility check: a person signs in and walks the portal and the emulator in headless
// Chromium, as a patient, a newcomer and a clinician; axe-core checks every page it reaches
// against WCAG 2.1 A and AA and WCAG 2.2 AA (target size). axe cannot see reflow, so every page
// is also laid out at 320 CSS px (WCAG 1.4.10), at 640 px (a 1280 px window zoomed to 200 %) and
// at 320 px with the 1.4.12 text-spacing overrides, and fails if the page is wider than the
// window. Exit 1 on any problem, or if the walk cannot be completed.
//
// Usage: node check.mjs https://localhost:18443 https://localhost:18444 [external-id]
// With external-id the portal runs with PORTAL_IDENTITY_PROVIDER=external-id and the emulator
// in its Entra External ID flavour: that walk covers the pages that differ.
// SCREENSHOT_DIR=dir also saves a 320 px screenshot of every page there. PORTAL_CA_FILE=pem
// (the portal's generated localhost-cert.pem) makes Chromium trust that certificate's key and
// check TLS as usual; without it certificate errors are ignored. SMART_CLIENT_ID and
// SMART_REDIRECT_URI name a registered app whose consent page the walk visits.
import { X509Certificate, createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [portal, emulator, flavour] = process.argv.slice(2);
const axeSource = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const failures = [];
const notes = [];
let checked = 0;
const screenshots = process.env.SCREENSHOT_DIR;
if (screenshots) mkdirSync(screenshots, { recursive: true });

// The widths a page must fit without horizontal scrolling: 320 (WCAG 1.4.10) and 640 (1280 at
// 200 % zoom, WCAG 1.4.4).
const WIDTHS = [320, 640];
// WCAG 1.4.12: what a reader's own style sheet may set; nothing may be cut off or overflow.
// Applied through the CSSOM (element.style, !important) from the DevTools protocol, which the
// pages' CSP (style-src 'self') does not block the way it blocks an injected <style>.
const TEXT_SPACING = [
  ["*", { "line-height": "1.5", "letter-spacing": "0.12em", "word-spacing": "0.16em" }],
  ["p", { "margin-bottom": "2em" }],
];

// Sets the text-spacing overrides on every element; returns nothing, keeps what it replaced
// on window so that clearTextSpacing can put it back.
async function setTextSpacing(page) {
  await page.evaluate((rules) => {
    const saved = [];
    for (const [selector, props] of rules) {
      for (const el of document.querySelectorAll(selector)) {
        for (const [name, value] of Object.entries(props)) {
          saved.push([el, name, el.style.getPropertyValue(name), el.style.getPropertyPriority(name)]);
          el.style.setProperty(name, value, "important");
        }
      }
    }
    window.__a11yTextSpacing = saved;
  }, TEXT_SPACING);
}

async function clearTextSpacing(page) {
  await page.evaluate(() => {
    for (const [el, name, value, priority] of (window.__a11yTextSpacing || []).reverse()) {
      if (value) el.style.setProperty(name, value, priority);
      else el.style.removeProperty(name);
    }
    delete window.__a11yTextSpacing;
  });
}

// How much wider than the window the page is, and the widest elements that make it so.
async function overflow(page) {
  return await page.evaluate(() => {
    const root = document.documentElement;
    const limit = root.clientWidth;
    const culprits = [];
    if (root.scrollWidth > limit) {
      for (const el of document.body.querySelectorAll("*")) {
        const r = el.getBoundingClientRect();
        if (r.right > limit + 1 && !el.closest("[role=region][tabindex]")) {
          culprits.push(`${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : ""} (${Math.round(r.right)}px)`);
        }
      }
    }
    return { width: root.scrollWidth, limit, culprits: culprits.slice(-3) };
  });
}

let shot = 0;
async function reflow(page, what) {
  const original = page.viewportSize();
  try {
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 800 });
      const o = await overflow(page);
      if (o.width > o.limit) failures.push(`${what} (${page.url()}) at ${width}px: the page is ${o.width}px wide — ${o.culprits.join(", ")}`);
      if (width === 320 && screenshots) {
        const name = `${String(++shot).padStart(2, "0")}-${what.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}.png`;
        await page.screenshot({ path: `${screenshots}/${name}` });
      }
    }
    await page.setViewportSize({ width: 320, height: 800 });
    await setTextSpacing(page);
    const o = await overflow(page);
    if (o.width > o.limit) failures.push(`${what} (${page.url()}) at 320px with text spacing: the page is ${o.width}px wide — ${o.culprits.join(", ")}`);
    await clearTextSpacing(page);
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

// Issue 26: the trend chart's text is at least 12 CSS px at 320 px (the chart scrolls in its own
// region rather than shrinking). The size drawn is the text's font size times the scale the SVG
// is drawn at (its screen matrix); its box (getBoundingClientRect) is reported beside it.
async function chartText(page, width) {
  const original = page.viewportSize();
  await page.setViewportSize({ width, height: 800 });
  const texts = await page.evaluate(() => [...document.querySelectorAll("svg.trend-chart text")].map((t) => ({
    text: t.textContent.trim().slice(0, 30),
    // The matrix's scale, whatever the rotation (the unit label is turned by 90°).
    px: parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b),
    box: t.getBoundingClientRect().height,
  })));
  if (original) await page.setViewportSize(original);
  if (texts.length === 0) failures.push(`trend chart at ${width}px: no chart text found`);
  const small = texts.filter((t) => t.px < 12);
  for (const t of small.slice(0, 3)) failures.push(`trend chart at ${width}px: "${t.text}" is ${t.px.toFixed(1)}px (box ${t.box.toFixed(1)}px), under 12px`);
  const least = Math.min(...texts.map((t) => t.px));
  console.log(`checked trend chart text at ${width}px: ${texts.length} labels, smallest ${least.toFixed(1)}px`);
}

// After a reply the browser lands on the new message: the URL's fragment names it, it has the
// focus, and it says it was sent (issue 26).
async function landedOnSentMessage(page, what) {
  const landed = await page.evaluate(() => ({
    hash: location.hash.slice(1),
    focused: document.activeElement ? document.activeElement.id : "",
    status: document.activeElement?.querySelector("[role=status]")?.textContent.trim(),
  }));
  if (!landed.hash || landed.focused !== landed.hash || landed.status !== "Message sent.") {
    failures.push(`${what}: fragment "${landed.hash}", focus on "${landed.focused}", status "${landed.status}"`);
  }
  console.log(`checked ${what} lands on the new message: ${JSON.stringify(landed)}`);
}

// The SMART app this walk asks consent for: .ci/run registers it (`patient-portal apps add`)
// and passes its client id and redirect URI.
function smartAuthorizeUrl() {
  const clientId = process.env.SMART_CLIENT_ID;
  const redirectUri = process.env.SMART_REDIRECT_URI;
  if (!clientId || !redirectUri) throw new Error("SMART_CLIENT_ID and SMART_REDIRECT_URI are needed to reach the consent page");
  const verifier = randomBytes(48).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const q = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri, state: randomBytes(12).toString("hex"),
    scope: "launch/patient openid fhirUser offline_access patient/*.rs", aud: `${portal}/fhir/r4`,
    code_challenge: challenge, code_challenge_method: "S256",
  });
  return `${portal}/smart/authorize?${q}`;
}

// Issue 25, item 6: on the consent page every checkbox sits beside its own label. By geometry:
// the checkbox's box and its label's (by `for` or wrapping) overlap vertically, and no other
// label of the form is nearer to the checkbox than its own.
async function consentLayout(page, width) {
  const original = page.viewportSize();
  await page.setViewportSize({ width, height: 800 });
  const found = await page.evaluate(() => {
    const gap = (a, b) => {
      const dx = Math.max(0, a.left - b.right, b.left - a.right);
      const dy = Math.max(0, a.top - b.bottom, b.top - a.bottom);
      return Math.hypot(dx, dy);
    };
    const text = (el) => el.textContent.trim().replace(/\s+/g, " ").slice(0, 60);
    const boxes = [...document.querySelectorAll("main input[type=checkbox]")];
    const labels = [...document.querySelectorAll("main label")];
    const problems = [];
    for (const box of boxes) {
      const own = [...box.labels];
      const b = box.getBoundingClientRect();
      if (own.length === 0) {
        problems.push(`checkbox ${box.id || box.value} has no label`);
        continue;
      }
      const o = own[0].getBoundingClientRect();
      const overlap = Math.min(b.bottom, o.bottom) - Math.max(b.top, o.top);
      if (overlap <= 0) problems.push(`checkbox ${box.id || box.value} (top ${Math.round(b.top)}) is not beside its label "${text(own[0])}" (top ${Math.round(o.top)})`);
      const mine = gap(b, o);
      for (const other of labels) {
        if (own.includes(other)) continue;
        const d = gap(b, other.getBoundingClientRect());
        if (d < mine) problems.push(`checkbox ${box.id || box.value} is nearer to "${text(other)}" (${Math.round(d)}px) than to its own label "${text(own[0])}" (${Math.round(mine)}px)`);
      }
    }
    return { boxes: boxes.length, problems };
  });
  if (original) await page.setViewportSize(original);
  if (found.boxes === 0) failures.push(`SMART consent at ${width}px: no checkboxes found`);
  for (const p of found.problems) failures.push(`SMART consent at ${width}px: ${p}`);
  console.log(`checked SMART consent layout at ${width}px: ${found.boxes} checkbox(es), ${found.problems.length} misplaced`);
}

const caFile = process.env.PORTAL_CA_FILE;
const pinned = caFile
  ? [`--ignore-certificate-errors-spki-list=${createHash("sha256")
    .update(new X509Certificate(readFileSync(caFile)).publicKey.export({ type: "spki", format: "der" }))
    .digest("base64")}`]
  : [];
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", ...pinned],
});

async function audit(page, what) {
  // axe's source is evaluated through the DevTools protocol (Runtime.evaluate), which the
  // page's CSP does not apply to; a <script> tag would be refused, as it should be.
  await page.evaluate(axeSource).catch(() => null);
  const result = await page.evaluate(async () => {
    if (!window.axe) return null;
    return await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] } });
  }).catch(() => null);
  if (!result) {
    failures.push(`${what}: axe could not run`);
    return;
  }
  checked++;
  if (result.passes.length === 0) failures.push(`${what}: axe found nothing to check`);
  for (const v of result.violations) {
    failures.push(`${what} (${page.url()}): ${v.id} [${v.impact}] ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).slice(0, 3).join(", ")}`);
  }
  await reflow(page, what);
  console.log(`checked ${what}: ${result.violations.length} violation(s)`);
}

async function person(extraHTTPHeaders = {}) {
  // CSP, CORS and SameSite as a patient's browser has them: nothing is bypassed.
  const context = await browser.newContext({ ignoreHTTPSErrors: !caFile, extraHTTPHeaders });
  const page = await context.newPage();
  // A page that needs a script, a style, a connection or a form target its own CSP refuses is
  // broken for every patient. (img-src refusals are only noted: Chromium's own favicon request
  // is one.)
  page.on("console", (msg) => {
    if (msg.type() !== "error" || !/Content Security Policy/i.test(msg.text())) return;
    if (/directive: "img-src/.test(msg.text())) notes.push(`CSP refused an image on ${page.url()}: ${msg.text()}`);
    else failures.push(`CSP violation on ${page.url()}: ${msg.text()}`);
  });
  return page;
}

async function codeFor(page, recipient) {
  const outbox = await page.context().newPage();
  await outbox.goto(`${emulator}/outbox`);
  const rows = await outbox.locator("tr.message").all();
  for (const row of rows) {
    if ((await row.locator("td.recipient").innerText()).trim() === recipient) {
      const body = await row.locator("td.body").innerText();
      await outbox.close();
      return body.match(/\b\d{6}\b/)[0];
    }
  }
  throw new Error(`no message to ${recipient}`);
}

async function signIn(page, email, password, phone, returnUrl, auditMfa = false) {
  await page.goto(`${portal}/signin?returnUrl=${encodeURIComponent(returnUrl)}`);
  await page.getByLabel("Email Address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  if (auditMfa) await audit(page, "emulator MFA, phone on record");
  await page.getByRole("button", { name: "Send Code" }).click();
  if (auditMfa) await audit(page, "emulator MFA, code sent");
  await page.getByLabel("Verification code").fill(await codeFor(page, phone));
  await page.getByRole("button", { name: "Verify Code" }).click();
  await page.waitForURL(`${portal}${returnUrl}`);
}

async function externalIdWalk() {
  const visitor = await person();
  await visitor.goto(portal);
  await audit(visitor, "External ID: landing page");
  await visitor.getByRole("link", { name: "Sign in" }).first().click();
  await visitor.waitForURL(`${emulator}/**`);
  await audit(visitor, "External ID: emulator sign-in");
  // Password reset inside the sign-in page.
  await visitor.getByRole("button", { name: "Forgot your password?" }).click();
  await audit(visitor, "External ID: reset inside sign-in");
  await visitor.getByLabel("Email Address").fill("patient@example.com");
  await visitor.getByRole("button", { name: "Send verification code" }).click();
  await audit(visitor, "External ID: reset, code sent");
  await visitor.goto(`${portal}/password/reset`);
  await audit(visitor, "External ID: how to reset");

  const patient = await person();
  await patient.goto(`${portal}/signin?returnUrl=${encodeURIComponent("/account")}`);
  await patient.getByLabel("Email Address").fill("patient@example.com");
  await patient.getByLabel("Password").fill("Patient-Demo-2024");
  await patient.getByRole("button", { name: "Sign in" }).click();
  await audit(patient, "External ID: MFA page");
  await patient.getByRole("button", { name: "Send Code" }).click();
  await patient.getByLabel("Verification code").fill(await codeFor(patient, "+12025550101"));
  await patient.getByRole("button", { name: "Verify Code" }).click();
  await patient.waitForURL(`${portal}/account`);
  await audit(patient, "External ID: account (no profile edit)");
  await patient.goto(`${portal}/account/sign-in-details`);
  await audit(patient, "External ID: sign-in details");

  const clinician = await person();
  await signIn(clinician, "clinician@example.com", "Clinician-Demo-2024", "+12025550102", "/staff");
  await audit(clinician, "External ID: staff home (App Role)");
}

// The browser enforces the page's CSP (script-src 'self'): an inline script put into the
// landing page does not run. Its own context, without the listener that fails on a CSP refusal
// (this refusal is the point). A browser that bypassed CSP would run it and the walk would not
// see what CSP blocks for patients.
{
  const context = await browser.newContext({ ignoreHTTPSErrors: !caFile });
  const page = await context.newPage();
  await page.goto(portal);
  const inlineRan = await page.evaluate(() => {
    const s = document.createElement("script");
    s.textContent = "window.__inlineRan = true";
    document.body.append(s);
    return window.__inlineRan === true;
  });
  if (inlineRan) failures.push("an inline script ran on the landing page: this browser does not enforce the page's CSP");
  await context.close();
}

try {
  if (flavour === "external-id") {
    await externalIdWalk();
  } else {
  // Public pages and the emulator's flow pages.
  const visitor = await person();
  await visitor.goto(portal);
  await audit(visitor, "landing page");
  await visitor.getByRole("link", { name: "Sign in" }).first().click();
  await visitor.waitForURL(`${emulator}/**`);
  await audit(visitor, "emulator sign-in");
  await visitor.getByRole("button", { name: "Sign in" }).click();
  await audit(visitor, "emulator sign-in with errors");
  await visitor.getByRole("link", { name: "Sign up now" }).click();
  await audit(visitor, "emulator sign-up");
  await visitor.goto(`${portal}/signin`);
  await visitor.getByRole("button", { name: "Forgot your password?" }).click();
  await audit(visitor, "emulator password reset");
  await visitor.goto(`${portal}/signout-callback-oidc`);
  await audit(visitor, "signed-out page");
  await visitor.goto(`${portal}/nowhere`);
  await audit(visitor, "sign-in redirect target");

  // The demo patient's record.
  const patient = await person();
  await signIn(patient, "patient@example.com", "Patient-Demo-2024", "+12025550101", "/records", true);
  await audit(patient, "records summary");
  await patient.emulateMedia({ media: "print" });
  const printed = await patient.evaluate(() => ({
    header: getComputedStyle(document.querySelector(".print-header")).display !== "none",
    nav: [...document.querySelectorAll("nav")].some((n) => getComputedStyle(n).display !== "none"),
  }));
  if (!printed.header || printed.nav) failures.push(`records summary in print: header shown ${printed.header}, navigation shown ${printed.nav}`);
  await patient.emulateMedia({ media: "screen" });
  for (const section of ["conditions", "medications", "allergies", "immunizations", "labs", "vitals", "visits", "notes", "procedures", "care-plans", "reports", "social-history", "access-log"]) {
    await patient.goto(`${portal}/records/${section}`);
    await audit(patient, `records ${section}`);
  }
  await patient.goto(`${portal}/records/labs`);
  const firstTest = patient.locator("main table a").first();
  await firstTest.click();
  await audit(patient, "lab history with trend chart");
  await chartText(patient, 320);
  await patient.goto(`${portal}/records/visits`);
  await patient.locator("main table a").first().click();
  await audit(patient, "one visit and what happened in it");
  // Clinical notes (#27): each note's own page (text, HTML and PDF notes of the demo), and the
  // visit they belong to with its notes.
  await patient.goto(`${portal}/records/notes`);
  const notePages = await patient.locator('main table a[href^="/records/notes/"]').evaluateAll((links) => links.map((a) => a.getAttribute("href")));
  for (const href of notePages.slice(0, 3)) {
    await patient.goto(`${portal}${href}`);
    await audit(patient, `one clinical note ${href}`);
  }
  await patient.goto(`${portal}/records/notes`);
  await patient.locator('main table a[href^="/records/visits/"]').first().click();
  await audit(patient, "a visit with its notes");
  await patient.goto(`${portal}/records/printable`);
  await audit(patient, "printable summary");
  // Clinicians, clinics and costs (#27 item 2): the care team and billing pages (the visit
  // page above shows the visit's clinician, clinic and cost).
  for (const section of ["care-team", "billing"]) {
    await patient.goto(`${portal}/records/${section}`);
    await audit(patient, `records ${section}`);
  }
  await patient.goto(`${portal}/account`);
  await audit(patient, "account");
  await patient.goto(`${portal}/home`);
  await audit(patient, "patient home");
  await patient.goto(`${portal}/account/sign-in-details`);
  await audit(patient, "sign-in details");
  // The consent page of a SMART launch (an app registered by .ci/run for this walk).
  await patient.goto(smartAuthorizeUrl());
  await patient.waitForURL(`${portal}/smart/consent?**`);
  await audit(patient, "SMART consent");
  for (const width of [320, 1280]) await consentLayout(patient, width);
  await patient.goto(`${emulator}/outbox`);
  await audit(patient, "emulator outbox");
  // Secure messages: the patient writes to the care team with an attachment.
  await patient.goto(`${portal}/messages`);
  await audit(patient, "messages");
  await patient.getByRole("link", { name: "Write a new message" }).click();
  await audit(patient, "new message form");
  await patient.getByLabel("What is it about?").selectOption("result");
  await patient.getByLabel("Subject").fill("Accessibility walk");
  await patient.getByLabel("Your message").fill("A question\non two lines.");
  await patient.getByLabel("Attachments (optional)").setInputFiles({
    name: "note.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n"),
  });
  await patient.getByRole("button", { name: "Send", exact: true }).click();
  await patient.waitForURL(/\/messages\/[0-9a-f-]+\?sent=[0-9a-f-]+#message-[0-9a-f-]+$/);
  await audit(patient, "message thread (patient)");
  // Appointments: the list (the demo patient has a booked and a past one), a request.
  await patient.goto(`${portal}/appointments`);
  await audit(patient, "appointments");
  await patient.getByLabel("What is it for?").fill("Accessibility walk check-up");
  await patient.getByLabel("Tuesday").check();
  await patient.getByLabel("Mornings").check();
  await patient.getByLabel("Video call").check();
  await patient.getByRole("button", { name: "Send request" }).click();
  await patient.waitForURL(`${portal}/appointments`);
  await audit(patient, "appointments with a request");
  // Renewals: the form under "Ask for a renewal" on the medications page.
  await patient.goto(`${portal}/records/medications`);
  const renewable = patient.locator("main details summary");
  if (await renewable.count()) await renewable.first().click();
  await audit(patient, "medications with the renewal form open");
  await patient.goto(`${portal}/dev/outbox`);
  await audit(patient, "development outbox");
  // Sharing (#30): a new link (the patient signed in minutes ago, fresh enough), the link
  // and its printable card, the list of links, the immunization card.
  await patient.goto(`${portal}/share/new`);
  await audit(patient, "new share link form");
  await patient.getByLabel("Label (optional)").fill("For Dr Ortega");
  await patient.getByRole("button", { name: "Make the link" }).click();
  await audit(patient, "share link made (QR code and card)");
  await patient.goto(`${portal}/share`);
  await audit(patient, "shared links");
  await patient.goto(`${portal}/share/health-card`);
  await audit(patient, "immunization card");
  // Proxies (#29): the list and invitation form, an invitation sent, whom one acts for.
  await patient.goto(`${portal}/account/proxies`);
  await audit(patient, "proxies and the invitation form");
  // To the newcomer below, who accepts it: only the invited address may (#29).
  await patient.getByLabel("Their e-mail address").fill("a11y.newcomer@example.com");
  await patient.getByLabel("Read the health record").check();
  await patient.getByRole("button", { name: "Send the invitation" }).click();
  await patient.waitForURL(`${portal}/account/proxies?invited=1`);
  await audit(patient, "proxies with an open invitation");
  await patient.goto(`${portal}/acting`);
  await audit(patient, "people one acts for");
  await patient.goto(`${portal}/staff`);
  await audit(patient, "403 page");

  // A new account links its record.
  const newcomer = await person();
  await newcomer.goto(`${portal}/signin`);
  await newcomer.getByRole("link", { name: "Sign up now" }).click();
  await newcomer.getByLabel("Email Address").fill("a11y.newcomer@example.com");
  await newcomer.getByRole("button", { name: "Send verification code" }).click();
  await audit(newcomer, "emulator sign-up, code sent");
  await newcomer.getByLabel("Verification code").fill(await codeFor(newcomer, "a11y.newcomer@example.com"));
  await newcomer.getByRole("button", { name: "Verify code" }).click();
  await newcomer.getByLabel("New Password", { exact: true }).fill("Sturdy-Pass-42");
  await newcomer.getByLabel("Confirm New Password").fill("Sturdy-Pass-42");
  await newcomer.getByLabel("Given Name").fill("Robin");
  await newcomer.getByLabel("Surname").fill("Newcomer");
  await newcomer.getByLabel("Country/Region").selectOption("NL");
  await newcomer.getByRole("button", { name: "Create" }).click();
  await audit(newcomer, "emulator MFA enrolment");
  await newcomer.getByLabel("Phone Number").fill("(202) 555-0188");
  await newcomer.getByRole("button", { name: "Send Code" }).click();
  await newcomer.getByLabel("Verification code").fill(await codeFor(newcomer, "+12025550188"));
  await newcomer.getByRole("button", { name: "Verify Code" }).click();
  await newcomer.waitForURL(`${portal}/**`);
  await newcomer.goto(`${portal}/records`);
  await newcomer.waitForURL(`${portal}/activate`);
  await audit(newcomer, "link your record");
  await newcomer.getByLabel("Activation code").fill("AAAA-BBBB-CCCC");
  await newcomer.getByLabel("Date of birth").fill("2000-01-01");
  await newcomer.getByRole("button", { name: "Link my record" }).click();
  await audit(newcomer, "link your record with an error");
  // The patient's invitation above was to this address: the newcomer, who needs no record of
  // their own, accepts it and opens the record they act for (#29). The mail is in the
  // development outbox once the queue has sent it: a bounded wait for it.
  let acceptPath = null;
  for (let tries = 0; tries < 40 && !acceptPath; tries++) {
    await newcomer.goto(`${portal}/dev/outbox`);
    const mails = await newcomer.locator("main").innerText();
    acceptPath = (mails.match(/\/proxy\/accept\?token=[A-Za-z0-9_-]+/) || [null])[0];
    if (!acceptPath) await newcomer.waitForTimeout(250);
  }
  if (!acceptPath) throw new Error("no proxy invitation in the development outbox");
  await newcomer.goto(`${portal}${acceptPath}`);
  await audit(newcomer, "proxy invitation to accept");
  await newcomer.getByRole("button", { name: "Accept", exact: true }).click();
  await newcomer.waitForURL((u) => !u.pathname.startsWith("/proxy/accept"));
  await newcomer.goto(`${portal}/acting`);
  await audit(newcomer, "people one acts for, with one");
  await newcomer.locator('main a[href^="/acting/"]').first().click();
  await newcomer.waitForURL((u) => /^\/acting\/[^/]+$/.test(u.pathname));
  await audit(newcomer, "acting for someone: their summary");

  // The demo clinician.
  const clinician = await person();
  await signIn(clinician, "clinician@example.com", "Clinician-Demo-2024", "+12025550102", "/staff");
  await audit(clinician, "staff home");
  await clinician.getByLabel("Find a patient").fill("a");
  await clinician.getByLabel("Find a patient").press("Enter");
  await clinician.waitForURL(/q=a/);
  await audit(clinician, "staff search with an error");
  await clinician.getByLabel("Find a patient").fill("19");
  await clinician.getByLabel("Find a patient").press("Enter");
  await clinician.waitForURL(/q=19/);
  await audit(clinician, "staff search results");
  // A chart on the care team (the demo clinician cares for MRN-100001 to MRN-100004; all but
  // the first wait for an activation code), opened from the search results (the worklist above
  // them links charts opened recently).
  await clinician.goto(`${portal}/staff?q=MRN-100002`);
  await clinician.locator('main table a[href^="/staff/patients/"]').first().click();
  await audit(clinician, "staff chart");
  const chartUrl = clinician.url();
  for (const section of ["conditions", "medications", "allergies", "immunizations", "labs", "vitals", "visits", "notes", "access-log"]) {
    await clinician.goto(`${chartUrl}/${section}`);
    await audit(clinician, `staff chart ${section}`);
  }
  await clinician.goto(chartUrl);
  await clinician.getByRole("button", { name: /issue/i }).first().click();
  await audit(clinician, "printable activation code");
  // A patient outside the care team: the 403 page offers break-the-glass.
  await clinician.goto(`${portal}/staff?q=MRN-100006`);
  await clinician.locator('main table a[href^="/staff/patients/"]').first().click();
  await audit(clinician, "chart outside the care team (403)");
  await clinician.getByRole("link", { name: "Break the glass" }).click();
  await audit(clinician, "break-the-glass form");
  await clinician.goto(`${portal}/staff/patients/00000000-0000-4000-8000-000000000000`);
  await audit(clinician, "404 page");
  // The clinician reads the patient's message from the team inbox and answers.
  await clinician.goto(`${portal}/staff/messages`);
  await audit(clinician, "staff messages inbox");
  await clinician.locator('main a[href^="/staff/messages/"]').first().click();
  await audit(clinician, "message thread (clinician)");
  await clinician.getByLabel("Your reply").fill("Thank you, all is well.");
  await clinician.getByRole("button", { name: "Send reply" }).click();
  await clinician.waitForURL(/\/staff\/messages\/[0-9a-f-]+\?sent=[0-9a-f-]+#message-[0-9a-f-]+$/);
  await landedOnSentMessage(clinician, "message thread after a reply");
  await audit(clinician, "message thread after a reply");
  // Appointment requests: the queue, one request, booking it, the clinician's day.
  await clinician.goto(`${portal}/staff/appointments`);
  await audit(clinician, "staff appointment requests");
  await clinician.locator('main a[href^="/staff/appointments/"]:not([href*="day"])').first().click();
  await audit(clinician, "appointment request (clinician)");
  const day = new Date(Date.now() + 2 * 86400000).toISOString().slice(0, 10);
  await clinician.getByLabel("Date").fill(day);
  await clinician.getByLabel("Time", { exact: true }).fill("10:00");
  await clinician.getByLabel("Place, or the video link").fill("Main Street Clinic, room 1");
  await clinician.getByRole("button", { name: "Book this time" }).click();
  await clinician.waitForURL(/\/staff\/appointments\/[0-9a-f-]+$/);
  await audit(clinician, "booked appointment (clinician)");
  await clinician.goto(`${portal}/staff/appointments/day?date=${day}`);
  await audit(clinician, "clinician's day");
  // Renewal requests: the queue, one request, approving it.
  await clinician.goto(`${portal}/staff/renewals`);
  await audit(clinician, "staff renewal requests");
  await clinician.locator('main a[href^="/staff/renewals/"]').first().click();
  await audit(clinician, "renewal request (clinician)");
  await clinician.getByLabel("Refills (optional)").fill("2");
  await clinician.getByRole("button", { name: "Approve the renewal" }).click();
  await clinician.waitForURL(/\/staff\/renewals\/[0-9a-f-]+$/);
  await audit(clinician, "approved renewal (clinician)");

  // Spanish (#31): about a quarter longer than English, so the same axe and 320 px reflow
  // checks run on it. A Spanish browser (Accept-Language: es) on the public pages and the
  // emulator's sign-in (asked with ui_locales=es); then the demo patient switches with the
  // form on every page, reads the pages every patient sees, and switches back to English
  // (the choice is kept on the account, and later walks expect English).
  const spanish = await person({ "Accept-Language": "es" });
  await spanish.goto(portal);
  await audit(spanish, "landing page (es)");
  await spanish.goto(`${portal}/nowhere`);
  await spanish.waitForURL(`${emulator}/**`);
  await audit(spanish, "emulator sign-in (es)");
  await spanish.goto(`${portal}/signout-callback-oidc`);
  await audit(spanish, "signed-out page (es)");
  const hablante = await person();
  await signIn(hablante, "patient@example.com", "Patient-Demo-2024", "+12025550101", "/home");
  await hablante.getByRole("button", { name: "Español" }).click();
  await hablante.waitForURL(`${portal}/home`);
  for (const path of ["/home", "/records", "/records/labs", "/messages", "/appointments", "/account", "/records/access-log", "/nowhere-at-all"]) {
    await hablante.goto(`${portal}${path}`);
    await audit(hablante, `${path} (es)`);
  }
  await hablante.getByRole("button", { name: "English" }).click();
  }
} catch (e) {
  failures.push(`walk stopped: ${e.message}`);
}
await browser.close();

for (const n of new Set(notes)) console.log(`note: ${n.slice(0, 400)}`);
if (failures.length) {
  console.error(`${failures.length} accessibility problem(s):`);
  for (const f of failures) console.error(`- ${f}`);
  process.exit(1);
}
console.log(`${checked} pages checked against WCAG 2.1 A/AA and 2.2 AA, and at 320 and 640 px: 0 problems`);
