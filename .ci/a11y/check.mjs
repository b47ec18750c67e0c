// Accessibility check: a person signs in and walks the portal and the emulator in headless
// Chromium, as a patient, a newcomer and a clinician; axe-core checks every page it reaches
// against WCAG 2.1 A and AA. Exit 1 on any violation, or if the walk cannot be completed.
//
// Usage: node check.mjs https://localhost:18443 https://localhost:18444 [external-id]
// With external-id the portal runs with PORTAL_IDENTITY_PROVIDER=external-id and the emulator
// in its Entra External ID flavour: that walk covers the pages that differ.
import { readFileSync } from "node:fs";
import { chromium } from "playwright-core";

const [portal, emulator, flavour] = process.argv.slice(2);
const axeSource = readFileSync(new URL("./node_modules/axe-core/axe.min.js", import.meta.url), "utf8");
const failures = [];
let checked = 0;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});

async function audit(page, what) {
  // The context bypasses CSP so that axe can be injected; the pages themselves run no script.
  await page.addScriptTag({ content: axeSource }).catch(() => null);
  const result = await page.evaluate(async () => {
    if (!window.axe) return null;
    return await window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
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
  console.log(`checked ${what}: ${result.violations.length} violation(s)`);
}

async function person() {
  // bypassCSP lets axe be injected; the pages themselves need no script to work.
  const context = await browser.newContext({ ignoreHTTPSErrors: true, bypassCSP: true });
  return await context.newPage();
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

async function signIn(page, email, password, phone, returnUrl) {
  await page.goto(`${portal}/signin?returnUrl=${encodeURIComponent(returnUrl)}`);
  await page.getByLabel("Email Address").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("button", { name: "Send Code" }).click();
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

  const clinician = await person();
  await signIn(clinician, "clinician@example.com", "Clinician-Demo-2024", "+12025550102", "/staff");
  await audit(clinician, "External ID: staff home (App Role)");
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
  await visitor.goto(`${portal}/signout-callback-oidc`);
  await audit(visitor, "signed-out page");
  await visitor.goto(`${portal}/nowhere`);
  await audit(visitor, "sign-in redirect target");

  // The demo patient's record.
  const patient = await person();
  await signIn(patient, "patient@example.com", "Patient-Demo-2024", "+12025550101", "/records");
  await audit(patient, "records summary");
  for (const section of ["conditions", "medications", "allergies", "immunizations", "labs", "vitals", "visits", "access-log"]) {
    await patient.goto(`${portal}/records/${section}`);
    await audit(patient, `records ${section}`);
  }
  await patient.goto(`${portal}/records/labs`);
  const firstTest = patient.locator("main table a").first();
  await firstTest.click();
  await audit(patient, "lab history with trend chart");
  await patient.goto(`${portal}/account`);
  await audit(patient, "account");
  await patient.goto(`${portal}/staff`);
  await audit(patient, "403 page");

  // A new account links its record.
  const newcomer = await person();
  await newcomer.goto(`${portal}/signin`);
  await newcomer.getByRole("link", { name: "Sign up now" }).click();
  await newcomer.getByLabel("Email Address").fill("a11y.newcomer@example.com");
  await newcomer.getByRole("button", { name: "Send verification code" }).click();
  await audit(newcomer, "emulator sign-up, code sent");

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
  await clinician.goto(`${portal}/staff`);
  await clinician.locator('main a[href^="/staff/patients/"]').first().click();
  await audit(clinician, "staff chart");
  await clinician.goto(clinician.url() + "/labs");
  await audit(clinician, "staff chart labs");
  await clinician.goBack();
  await clinician.getByRole("button", { name: /issue/i }).first().click();
  await audit(clinician, "printable activation code");
  // A patient outside the care team: the 403 page offers break-the-glass.
  await clinician.goto(`${portal}/staff?q=MRN-100006`);
  await clinician.locator('main a[href^="/staff/patients/"]').first().click();
  await audit(clinician, "chart outside the care team (403)");
  await clinician.getByRole("link", { name: "Break the glass" }).click();
  await audit(clinician, "break-the-glass form");
  await clinician.goto(`${portal}/staff/patients/00000000-0000-4000-8000-000000000000`);
  await audit(clinician, "404 page");
  }
} catch (e) {
  failures.push(`walk stopped: ${e.message}`);
}
await browser.close();

if (failures.length) {
  console.error(`${failures.length} accessibility problem(s):`);
  for (const f of failures) console.error(`- ${f}`);
  process.exit(1);
}
console.log(`${checked} pages checked against WCAG 2.1 A/AA: 0 violations`);
