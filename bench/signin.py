#!/usr/bin/env python3
"""Signs a patient in to a running development portal through the local B2C emulator, as a
browser would (password, then MFA with the code from the emulator's /outbox), links the account
with an activation code and the date of birth, and prints the portal's session cookie
(name=value) for the load generator.

Usage: signin.py PORTAL_URL EMULATOR_URL EMAIL PASSWORD PHONE ACTIVATION_CODE BIRTH_DATE

Standard library only. Certificates are not checked: both servers are this machine's
development listeners on localhost with generated certificates."""
import html.parser
import http.cookiejar
import re
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Forms(html.parser.HTMLParser):
    """Each <form>: its action and hidden inputs."""

    def __init__(self):
        super().__init__()
        self.forms = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action", ""), "fields": {}})
        elif tag == "input" and self.forms and a.get("type") == "hidden" and a.get("name"):
            self.forms[-1]["fields"][a["name"]] = a.get("value") or ""


class Browser:
    def __init__(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPSHandler(context=ctx),
            urllib.request.HTTPCookieProcessor(self.jar),
            NoRedirect,
        )

    def go(self, url, data=None):
        """Requests url (POST when data is given) and follows redirects; returns (url, status, body)."""
        for _ in range(20):
            body = urllib.parse.urlencode(data).encode() if data is not None else None
            try:
                resp = self.opener.open(urllib.request.Request(url, data=body), timeout=30)
                return url, resp.status, resp.read().decode()
            except urllib.error.HTTPError as e:
                if e.code in (301, 302, 303, 307, 308) and e.headers.get("Location"):
                    url, data = urllib.parse.urljoin(url, e.headers["Location"]), None
                    continue
                return url, e.code, e.read().decode(errors="replace")
        sys.exit(f"too many redirects at {url}")

    def submit(self, page, fields, action=None):
        """Sends the page's form (the one posting to `action`, else the first) with `fields`."""
        url, _, body = page
        parser = Forms()
        parser.feed(body)
        forms = [f for f in parser.forms if action is None or f["action"] == action]
        if not forms:
            sys.exit(f"no form {action or ''} on {url} (status {page[1]})")
        form = forms[0]
        return self.go(urllib.parse.urljoin(url, form["action"]), {**form["fields"], **fields})


def heading(page):
    m = re.search(r"<h1[^>]*>(.*?)</h1>", page[2], re.S)
    return re.sub(r"<[^>]+>", "", m.group(1)).strip() if m else ""


def expect(page, title):
    if heading(page) != title:
        sys.exit(f"expected the page {title!r}, got {heading(page)!r} at {page[0]} ({page[1]})")


def main():
    portal, emulator, email, password, phone, code, birth_date = sys.argv[1:8]
    b = Browser()
    page = b.go(f"{portal}/signin?returnUrl=/records")
    expect(page, "Sign in")
    page = b.submit(page, {"email": email, "password": password, "action": "signin"})
    expect(page, "Verify your identity")
    page = b.submit(page, {"action": "send_sms"})
    outbox = b.go(f"{emulator}/outbox")[2]
    # Newest first: the first message to this phone holds the code just sent.
    m = re.search(
        r'<td class="recipient"[^>]*>' + re.escape(phone) + r'</td>.*?<td class="body"[^>]*>[^<]*?(\d{6})',
        outbox,
        re.S,
    )
    if not m:
        sys.exit(f"no code for {phone} in the emulator's outbox")
    page = b.submit(page, {"code": m.group(1), "action": "verify"})
    if urllib.parse.urlparse(page[0]).path != "/activate":
        sys.exit(f"after sign-in expected /activate, got {page[0]} ({page[1]})")
    # The page also holds the sign-out form: send the one that links.
    page = b.submit(page, {"code": code, "birth_date": birth_date}, action="/activate")
    if urllib.parse.urlparse(page[0]).path != "/records" or page[1] != 200:
        sys.exit(f"linking failed: {page[0]} ({page[1]})")
    # The emulator's cookies share the host name; the portal's all start with __Host-portal.
    portal_cookies = [c for c in b.jar if c.name.startswith("__Host-portal")]
    if not portal_cookies:
        sys.exit("no portal session cookie")
    print("; ".join(f"{c.name}={c.value}" for c in portal_cookies))


if __name__ == "__main__":
    main()
