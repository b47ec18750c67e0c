// The redirect target: fhirclient exchanges the code at the token endpoint (a CORS request
// from this origin), then the app reads the patient's record through the FHIR API.
function show(id, value) {
  document.getElementById(id).textContent = typeof value === "string" ? value : JSON.stringify(value, null, 2);
  document.getElementById("status").textContent = id === "result" ? "Done" : "Failed";
}

FHIR.oauth2.ready().then(async (client) => {
  const patient = await client.patient.read();
  const labs = await client.request(
    `Observation?patient=${encodeURIComponent(client.patient.id)}&category=laboratory&_count=10`,
  );
  const conditions = await client.request(`Condition?patient=${encodeURIComponent(client.patient.id)}`);
  // offline_access: a refresh as fhirclient does it for a public client (refresh_token alone,
  // no client_id), then a read with the new access token.
  const firstToken = client.state.tokenResponse.access_token;
  let refreshed;
  try {
    await client.refresh();
    const again = await client.patient.read();
    refreshed = client.state.tokenResponse.access_token !== firstToken && again.id === patient.id ? "ok" : "the token did not change";
  } catch (e) {
    refreshed = `failed: ${e && e.message || e}`;
  }
  const name = patient.name && patient.name[0];
  show("result", {
    patientId: client.patient.id,
    resourceType: patient.resourceType,
    name: name ? [...(name.given || []), name.family].join(" ") : null,
    labBundle: labs.resourceType,
    labEntries: (labs.entry || []).length,
    firstLab: labs.entry && labs.entry[0] && labs.entry[0].resource.code && labs.entry[0].resource.code.text,
    conditionEntries: (conditions.entry || []).length,
    scope: client.state.tokenResponse && client.state.tokenResponse.scope,
    fhirUser: client.getFhirUser ? client.getFhirUser() : null,
    refreshed,
  });
}).catch((e) => show("error", `${e && e.message || e}\n${e && e.stack || ""}`));
