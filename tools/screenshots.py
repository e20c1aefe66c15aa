"""Screenshots of the main screens for the README, taken by headless Chromium from the demo database.

Run by tools/screenshots.sh (`make screenshots`), which creates or updates the demo database and starts Odoo;
this script then logs in as a user of each role (created here with a known password when missing), opens each
screen through the Chrome DevTools protocol and writes docs/screenshots/*.png. The statement's first PDF page
is rendered by Odoo (wkhtmltopdf) and turned into a PNG with pdftoppm.

Usage: screenshots.py URL DB OUTPUT_DIR
"""
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xmlrpc.client
from pathlib import Path

import requests
import websocket
from PIL import Image

ADMIN = ("admin", "admin")
# One user per role, with the password the script sets.
ROLES = {
    "specialist": ("shots_specialist", "Sam Specialist", "invoicing_specialist.group_specialist"),
    "manager": ("shots_manager", "Mia Manager", "invoicing_specialist.group_manager"),
    "auditor": ("shots_auditor", "Ada Auditor", "invoicing_specialist.group_auditor"),
}
PASSWORD = "screenshots"
WIDTH, HEIGHT = 1366, 820
MAX_BYTES = 200 * 1024


class Odoo:
    """XML-RPC as the administrator: finds the records to show and prepares the users."""

    def __init__(self, url, db):
        self.url, self.db = url, db
        self.uid = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/common").authenticate(db, *ADMIN, {})
        if not self.uid:
            sys.exit(f"screenshots: cannot log in to {db} as {ADMIN[0]}")
        self.models = xmlrpc.client.ServerProxy(f"{url}/xmlrpc/2/object", allow_none=True)

    def call(self, model, method, *args, **kwargs):
        return self.models.execute_kw(self.db, self.uid, ADMIN[1], model, method, list(args), kwargs)

    def call_as(self, role, model, method, *args, **kwargs):
        """As the role's user, so that what the screenshot shows was done by that user."""
        login = ROLES[role][0]
        uid = xmlrpc.client.ServerProxy(f"{self.url}/xmlrpc/2/common").authenticate(self.db, login, PASSWORD, {})
        return self.models.execute_kw(self.db, uid, PASSWORD, model, method, list(args), kwargs)

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        rows = self.call("ir.model.data", "search_read", [("module", "=", module), ("name", "=", name)],
                         fields=["res_id"])
        return rows[0]["res_id"]

    def ensure_users(self):
        company_id = self.call("res.users", "read", [self.uid], fields=["company_id"])[0]["company_id"][0]
        for login, name, group in ROLES.values():
            group_id = self.ref(group)
            existing = self.call("res.users", "search", [("login", "=", login)])
            values = {"password": PASSWORD, "group_ids": [(4, group_id)], "company_id": company_id,
                      "company_ids": [(4, company_id)]}
            if existing:
                self.call("res.users", "write", existing, values)
            else:
                self.call("res.users", "create", {"name": name, "login": login, **values})

    def first(self, model, domain, order="id"):
        ids = self.call(model, "search", domain, limit=1, order=order)
        if not ids:
            sys.exit(f"screenshots: the demo database has no {model} matching {domain}")
        return ids[0]


class Chromium:
    """Headless Chromium driven through the DevTools protocol."""

    def __init__(self):
        binary = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
        if not binary:
            sys.exit("screenshots: no Chromium on the PATH (make env installs Debian's chromium)")
        self.profile = tempfile.mkdtemp(prefix="ispec_shots_")
        self.process = subprocess.Popen([  # noqa: S603 (a fixed command line, no shell)
            binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
            "--remote-debugging-port=0", f"--user-data-dir={self.profile}", f"--window-size={WIDTH},{HEIGHT}",
            "about:blank",
        ], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        port_file = Path(self.profile, "DevToolsActivePort")
        for _attempt in range(100):
            if port_file.exists() and port_file.read_text().strip():
                break
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        pages = requests.get(f"http://127.0.0.1:{port}/json", timeout=10).json()
        page = next(target for target in pages if target["type"] == "page")
        self.socket = websocket.create_connection(page["webSocketDebuggerUrl"], timeout=60, suppress_origin=True)
        self.next_id = 0
        self.send("Page.enable")
        self.send("Emulation.setDeviceMetricsOverride", width=WIDTH, height=HEIGHT, deviceScaleFactor=1,
                  mobile=False)

    def send(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv())
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression):
        result = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        return result.get("result", {}).get("value")

    def login(self, url, db, login):
        session = requests.Session()
        response = session.post(f"{url}/web/session/authenticate", timeout=30, json={
            "jsonrpc": "2.0", "method": "call", "params": {"db": db, "login": login, "password": PASSWORD}})
        response.raise_for_status()
        if response.json().get("error"):
            sys.exit(f"screenshots: {login} cannot log in: {response.json()['error']}")
        host = url.split("//", 1)[1].split(":")[0]
        self.send("Network.clearBrowserCookies")
        self.send("Network.setCookie", name="session_id", value=session.cookies["session_id"], domain=host,
                  path="/")
        return session

    def open(self, url, ready, prepare=None):
        """Open ``url`` and wait until the ``ready`` selector is shown and the page is idle."""
        self.send("Page.navigate", url=url)
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.evaluate(f"!!document.querySelector({json.dumps(ready)}) && "
                             "!document.querySelector('.o_loading_indicator, .o_blockUI')"):
                break
            time.sleep(0.25)
        else:
            raise RuntimeError(f"{url}: {ready} never appeared")
        if prepare:
            self.evaluate(prepare)
        time.sleep(1.5)  # fonts, avatars and the last renders

    def screenshot(self, path):
        data = self.send("Page.captureScreenshot", format="png")["data"]
        Path(path).write_bytes(base64.b64decode(data))

    def close(self):
        try:
            self.socket.close()
        finally:
            self.process.terminate()
            self.process.wait(timeout=10)
            shutil.rmtree(self.profile, ignore_errors=True)


# Unfolds the first vendor and its first reason on the worklist, so the bills show.
UNFOLD_FIRST_GROUPS = """
(async () => {
    const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    for (let level = 0; level < 2; level++) {
        const headers = [...document.querySelectorAll('.o_group_header')].filter(
            (header) => !header.classList.contains('o_group_open'));
        if (!headers.length) break;
        headers[0].click();
        await wait(800);
    }
})()
"""


def shrink(path):
    """Keep a PNG under MAX_BYTES by reducing its colours, when Pillow is there (Odoo requires it)."""
    if path.stat().st_size <= MAX_BYTES:
        return
    with Image.open(path) as image:
        image.convert("RGB").quantize(colors=128).save(path, optimize=True)


def statement_page(url, session, odoo, partner_id, out):
    """The statement's first PDF page, as Odoo renders it for the user, as a PNG."""
    wizard = odoo.call("ispec.statement.wizard", "create", {"partner_ids": [(6, 0, [partner_id])]})
    preview = odoo.call("ispec.statement.wizard", "action_preview", [wizard])["url"]
    response = session.get(url + preview.replace("/report/html/", "/report/pdf/", 1), timeout=120)
    response.raise_for_status()
    if not response.content.startswith(b"%PDF"):
        sys.exit("screenshots: the statement did not render as PDF (is wkhtmltopdf installed?)")
    if not shutil.which("pdftoppm"):
        sys.exit("screenshots: pdftoppm (poppler-utils) is needed for the statement page")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder, "statement.pdf")
        pdf.write_bytes(response.content)
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile",  # noqa: S603,S607
                        str(pdf), str(Path(folder, "page"))], check=True)
        shutil.copy(Path(folder, "page.png"), out)


def main():
    url, db, output = sys.argv[1].rstrip("/"), sys.argv[2], Path(sys.argv[3])
    output.mkdir(parents=True, exist_ok=True)
    odoo = Odoo(url, db)
    odoo.ensure_users()
    # wkhtmltopdf fetches the report's styles over HTTP: from this server, not web.base.url's port.
    odoo.call("ir.config_parameter", "set_param", "report.url", url)
    # A bill against a purchase order, so the banner shows the order's figures.
    held_bill = odoo.first("account.move", [
        ("move_type", "=", "in_invoice"), ("ispec_match_state", "=", "exception"), ("state", "=", "posted"),
        ("ispec_match_reason_ids.code", "in", ("over_received", "price_above", "over_ordered"))])
    dispute = odoo.first("ispec.dispute", [("state", "in", ("open", "review"))])
    if not odoo.call("ispec.statement.run", "search", [("line_ids", "!=", False)], limit=1):
        # The demo's run is ready to send: the manager sends it (Odoo runs here without its scheduled actions,
        # so the mails stay queued and nothing leaves the machine).
        odoo.call_as("manager", "ispec.statement.run", "action_start",
                     [odoo.first("ispec.statement.run", [("state", "=", "draft")])])
    run = odoo.first("ispec.statement.run", [("line_ids", "!=", False)], order="id desc")
    invoice = odoo.first("account.move", [("move_type", "=", "out_invoice"), ("state", "=", "posted"),
                                          ("payment_state", "in", ("not_paid", "partial"))], order="invoice_date")
    customer = odoo.call("account.move", "read", [invoice], fields=["commercial_partner_id"])[0][
        "commercial_partner_id"][0]
    web = f"{url}/odoo/action-invoicing_specialist"
    shots = [
        # (file, role, url, selector that says the screen is ready, script run before the shot)
        ("bill_banner.png", "specialist", f"{web}.account_move_match_action/{held_bill}",
         ".o_form_view .alert-warning", None),
        ("bill_matching_worklist.png", "specialist", f"{web}.account_move_match_action",
         ".o_list_renderer .o_group_header", UNFOLD_FIRST_GROUPS),
        ("dispute.png", "specialist", f"{web}.ispec_dispute_action/{dispute}", ".o_form_view .o_form_sheet", None),
        ("statement_run.png", "manager", f"{web}.ispec_statement_run_action/{run}",
         ".o_form_view div[name='line_ids'] .o_data_row", None),
        ("settings.png", "manager", f"{web}.ispec_settings_action", ".o_form_view .o_setting_box, .o_form_view",
         None),
    ]
    browser = Chromium()
    try:
        sessions = {}
        for name, role, page, ready, prepare in shots:
            if role not in sessions:
                sessions[role] = browser.login(url, db, ROLES[role][0])
            browser.open(page, ready, prepare)
            browser.screenshot(output / name)
            shrink(output / name)
            print(f"screenshots: {name} ({role})")
        statement_page(url, sessions["manager"], odoo, customer, output / "statement_pdf.png")
        shrink(output / "statement_pdf.png")
        print("screenshots: statement_pdf.png (manager)")
    finally:
        browser.close()
    for path in sorted(output.glob("*.png")):
        print(f"  {path.name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    main()
