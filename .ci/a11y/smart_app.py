"""A confidential SMART app's backend, written with the Python `fhirclient` (4.4.0), for the
browser journey in journeys.mjs: the browser does the patient's part (sign-in, consent), this
server does the app's (authorize URL, code exchange with its client secret, FHIR reads).

    GET /launch     302 to the portal's authorize endpoint (as fhirclient builds it)
    GET /callback   exchanges the code, reads the Patient and lab Observations, and shows
                    the result as JSON in <pre id="result"> (or <pre id="error">)

Settings come from the environment: FHIR_BASE, CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, PORT.
The portal's certificate is trusted through REQUESTS_CA_BUNDLE. The result is also printed
on stdout, one JSON line, for the journey's log. Serves one launch at a time; it is a test.
"""

import html
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

from fhirclient import client
from fhirclient.models.observation import Observation
from fhirclient.models.patient import Patient

SETTINGS = {
    "app_id": os.environ["CLIENT_ID"],
    "app_secret": os.environ["CLIENT_SECRET"],
    "api_base": os.environ["FHIR_BASE"],
    "redirect_uri": os.environ["REDIRECT_URI"],
    # fhirclient adds launch/patient itself for a standalone launch.
    "scope": "openid fhirUser offline_access patient/*.rs",
}

# The one launch under way: fhirclient keeps its state (state, PKCE verifier) in this object.
smart = None


def page(status, element_id, body):
    text = (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>Python SMART app</title>"
        f"</head><body><h1>Python SMART app</h1><pre id={element_id}>{html.escape(body)}</pre>"
        "</body></html>"
    ).encode()
    return status, text


def callback(url):
    if smart is None:
        raise RuntimeError("no launch under way")
    smart.handle_callback(url)
    if not smart.ready:
        raise RuntimeError("fhirclient is not ready after the code exchange")
    patient = Patient.read(smart.patient_id, smart.server)
    search = Observation.where(
        struct={"patient": smart.patient_id, "category": "laboratory", "_count": "10"}
    )
    observations = search.perform_resources(smart.server)
    name = smart.human_name(patient.name[0]) if patient.name else None
    # offline_access: a refresh as fhirclient does it for a confidential client (client_id and
    # HTTP Basic), then a read with the new access token.
    first_token = smart.server.auth.access_token
    if not smart.reauthorize():
        raise RuntimeError("fhirclient's refresh (reauthorize) failed")
    again = Patient.read(smart.patient_id, smart.server)
    refreshed = smart.server.auth.access_token != first_token and again.id == patient.id
    return {
        "patient_id": patient.id,
        "patient_name": name,
        "birth_date": patient.birthDate.isostring if patient.birthDate else None,
        "granted_scope": (smart.launch_context or {}).get("scope"),
        "lab_observations": len(observations),
        "first_lab": observations[0].code.text or observations[0].code.coding[0].display
        if observations
        else None,
        "authenticated_with_secret": bool(smart.server.auth.app_secret),
        "refreshed": refreshed,
    }


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        global smart
        path = self.path.split("?", 1)[0]
        try:
            if path == "/launch":
                smart = client.FHIRClient(settings=SETTINGS)
                self.send_response(302)
                self.send_header("Location", smart.authorize_url)
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                return
            if path == "/callback":
                result = callback(SETTINGS["redirect_uri"].split("?", 1)[0] + self.path[len(path):])
                print(json.dumps(result), flush=True)
                status, body = page(200, "result", json.dumps(result, indent=2))
            else:
                status, body = page(404, "error", f"no page {path}")
        except Exception as e:  # shown to the journey, which fails on it
            traceback.print_exc()
            status, body = page(500, "error", f"{type(e).__name__}: {e}")
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Security-Policy", "default-src 'none'")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):
        sys.stderr.write("smart_app.py: " + fmt % args + "\n")


if __name__ == "__main__":
    server = HTTPServer(("127.0.0.1", int(os.environ["PORT"])), Handler)
    print(f"listening on http://127.0.0.1:{server.server_port}", flush=True)
    server.serve_forever()
