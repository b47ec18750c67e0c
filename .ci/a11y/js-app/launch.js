// Standalone launch with the official JS SMART client (fhirclient): discovery from the FHIR
// base (iss), then off to the portal's authorize endpoint with PKCE.
FHIR.oauth2.authorize({
  iss: APP_CONFIG.iss,
  clientId: APP_CONFIG.clientId,
  scope: APP_CONFIG.scope,
  redirectUri: "app.html",
}).catch((e) => {
  document.getElementById("error").textContent = `authorize failed: ${e && e.stack || e}`;
});
