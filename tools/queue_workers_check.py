"""A statement run sent by OCA queue_job on a real Odoo server with two workers: every customer exactly once.

On a database of its own (QUEUE_CHECK_DB, default ispec_queue_workers; dropped and created again, with
invoicing_specialist_queue installed), it makes QUEUE_CHECK_CUSTOMERS (100) customers with an open invoice
each, starts Odoo with ``--workers=2 --load=web,queue_job`` and a ``[queue_job]`` section (channels
``root:2,root.invoicing_specialist.statements:2``; the job runner calls the server on 127.0.0.1 at
QUEUE_CHECK_PORT, default 8331), starts a statement run for them over Odoo's JSON-2 API as a user would (Send
Statements), waits for the run to be done, then checks:

- every customer's line is queued, each customer has exactly one statement message and one mail;
- every job is done (none failed), the batches ran in at least two worker processes;
- the server logged no ERROR.

It stops the server (the process it started, by its id) and exits non-zero on any failure. The statements
are XLSX by default (QUEUE_CHECK_FORMAT=pdf for PDFs: about 1 s each with wkhtmltopdf). Run with the project's
venv: ``$VENV/bin/python tools/queue_workers_check.py`` (tools/common.sh's ODOO_PATH and addons path).

``bench/queue_bench.py`` uses the same functions to compare a run in cron mode with queue_job.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ODOO_PATH = os.environ.get("ODOO_PATH", "/opt/odoo")
BUILD = os.path.join(ROOT, ".build")
DB = os.environ.get("QUEUE_CHECK_DB", "ispec_queue_workers")
PORT = int(os.environ.get("QUEUE_CHECK_PORT", "8331"))
CUSTOMERS = int(os.environ.get("QUEUE_CHECK_CUSTOMERS", "100"))
FORMAT = os.environ.get("QUEUE_CHECK_FORMAT", "xlsx")
CHANNELS = "root:2,root.invoicing_specialist.statements:2"
INVOICE_DATE = date(2025, 1, 15)
TAG = "Queue check customer"
_PARSED = []  # the configuration this process has parsed


def log(message):
    print(f"[queue-check] {message}", flush=True)


def base_conf():
    """The project's Odoo configuration file (tools/common.sh's odoo_conf)."""
    out = subprocess.run(["bash", "-c", f"source '{ROOT}/tools/common.sh' && odoo_conf"], check=True,
                         capture_output=True, text=True)
    return out.stdout.strip().splitlines()[-1]


def server_conf(workers=2, port=PORT, channels=CHANNELS):
    """The project's configuration with the server options of a queue_job deployment."""
    folder = os.path.join(BUILD, "queue_workers")
    os.makedirs(folder, exist_ok=True)
    with open(base_conf(), encoding="utf-8") as handle:
        options = handle.read().strip()
    path = os.path.join(folder, f"odoo-{port}.conf")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"""{options}
workers = {workers}
max_cron_threads = 0
server_wide_modules = web,queue_job
http_port = {port}
gevent_port = {port + 1}
db_name = {DB}
dbfilter = ^{DB}$
limit_time_real = 600
limit_time_cpu = 600

[queue_job]
channels = {channels}
scheme = http
host = 127.0.0.1
port = {port}
""")
    return path


def odoo_bin(conf, *args, **kwargs):
    python = os.path.join(os.environ.get("VENV", os.path.expanduser("~/.cache/invoicing_specialist/venv")),
                          "bin", "python")
    return subprocess.run([python, os.path.join(ODOO_PATH, "odoo-bin"), "-c", conf, *args], check=True, **kwargs)


def source_hash():
    """A digest of the code the database is installed from (the addons and queue_job): a template made
    from other code is made again."""
    digest = hashlib.sha256()
    folders = [os.path.join(ROOT, "invoicing_specialist"), os.path.join(ROOT, "invoicing_specialist_queue"),
               os.path.join(BUILD, "oca-deps", "odoo", "addons", "queue_job")]
    for folder in folders:
        for current, dirs, files in sorted(os.walk(folder)):
            dirs.sort()
            for name in sorted(files):
                if name.endswith((".py", ".xml", ".csv", ".po", ".js", ".scss")):
                    path = os.path.join(current, name)
                    digest.update(path.encode())
                    with open(path, "rb") as handle:
                        digest.update(handle.read())
    return digest.hexdigest()[:16]


def psql(query, dbname="postgres"):
    return subprocess.run(["psql", "-d", dbname, "-tAc", query], check=True, capture_output=True,
                          text=True).stdout.strip()


def create_database(conf):
    """Drop this check's own database and make it again, with invoicing_specialist_queue installed: copied
    from a template database (TEMPLATE, made again when the code changed or QUEUE_CHECK_FRESH=1), since
    installing takes two to three minutes here."""
    template = f"{DB}_template"
    digest = source_hash()
    stored = psql(f"SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = '{template}'")
    filestore = os.path.join(BUILD, "data", "filestore")
    if stored != digest or os.environ.get("QUEUE_CHECK_FRESH"):
        subprocess.run(["dropdb", "--if-exists", template], check=True)
        shutil.rmtree(os.path.join(filestore, template), ignore_errors=True)
        log(f"installing invoicing_specialist_queue on {template} (code {digest})")
        started = time.monotonic()
        odoo_bin(conf, "-d", template, "-i", "invoicing_specialist_queue", "--stop-after-init", "--no-http",
                 "--log-level=warn", "--logfile", os.path.join(BUILD, "queue_workers", "install.log"),
                 "--db-filter", f"^{template}$")
        psql(f"COMMENT ON DATABASE {template} IS '{digest}'")
        log(f"installed in {time.monotonic() - started:.0f} s")
    subprocess.run(["dropdb", "--if-exists", DB], check=True)
    shutil.rmtree(os.path.join(filestore, DB), ignore_errors=True)
    subprocess.run(["createdb", "-T", template, DB], check=True)
    if os.path.isdir(os.path.join(filestore, template)):
        shutil.copytree(os.path.join(filestore, template), os.path.join(filestore, DB))


def environment(conf):
    """An Odoo registry of the database, in this process."""
    import odoo.init  # noqa: F401, PLC0415 (the odoo namespace's shortcuts, as odoo-bin sets them up)
    from odoo.modules.registry import Registry  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    if not _PARSED:
        config.parse_config(["-c", conf, "--log-level=warn"])
        _PARSED.append(conf)
    return Registry(DB)


def make_customers(registry, count):
    """``count`` customers with an email and one open invoice each (made once, kept); the admin user gets
    the Invoicing Specialist manager role and an API key. Returns their ids and the key."""
    from odoo import SUPERUSER_ID, Command, api  # noqa: PLC0415

    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env.ref("base.user_admin").group_ids = [Command.link(env.ref("invoicing_specialist.group_manager").id)]
        # wkhtmltopdf fetches the report's assets from report.url: the two workers are busy rendering, so it
        # would wait for itself; a closed port makes it render without them at once (as bench/ does).
        env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        partners = env["res.partner"].search([("comment", "=", TAG)], order="id")
        missing = count - len(partners)
        if missing > 0:
            new = env["res.partner"].create([{
                "name": f"Queue Customer {number:04d}", "email": f"qc{number}@example.com", "comment": TAG,
            } for number in range(len(partners) + 1, count + 1)])
            moves = env["account.move"].create([{
                "move_type": "out_invoice", "partner_id": partner.id, "invoice_date": INVOICE_DATE,
                "invoice_line_ids": [Command.create({"name": "Service", "price_unit": 100.0 + i,
                                                     "tax_ids": [Command.clear()]})],
            } for i, partner in enumerate(new)])
            moves.action_post()
            partners |= new
        admin = env.ref("base.user_admin")
        # sudo: a key without expiry for this check's own database, for the admin who runs it.
        key = env["res.users.apikeys"].with_user(admin).sudo()._generate(None, "queue check", None)
        return partners[:count].ids, key


def start_server(conf, logfile):
    """Start Odoo with workers; return its process once it answers on /web/health."""
    python = os.path.join(os.environ.get("VENV", os.path.expanduser("~/.cache/invoicing_specialist/venv")),
                          "bin", "python")
    if os.path.exists(logfile):
        os.remove(logfile)
    process = subprocess.Popen([python, os.path.join(ODOO_PATH, "odoo-bin"), "-c", conf, "--logfile", logfile],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped at once (exit {process.returncode}): see {logfile}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/web/health", timeout=5) as response:
                if response.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(1)
    stop_server(process)
    raise RuntimeError(f"the server did not answer on port {PORT} within 120 s: see {logfile}")


def stop_server(process):
    """Stop the server this script started (its own process id), gracefully, then for good."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Rpc:
    """Odoo 19's JSON-2 API as the admin user (an API key), as an integration or the web client calls it."""

    def __init__(self, key, port=PORT):
        self.key, self.port = key, port

    def __call__(self, model, method, **kwargs):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/json/2/{model}/{method}", data=json.dumps(kwargs).encode(),
            headers={"Authorization": f"bearer {self.key}", "X-Odoo-Database": DB,
                     "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())


def send_run(rpc, partner_ids, run_date, output_format=FORMAT, timeout=900):
    """Create a statement run for ``partner_ids`` and press Send Statements over RPC; wait until it is done.
    Returns (run id, seconds from the button to the run done)."""
    [run_id] = rpc("ispec.statement.run", "create", vals_list=[{
        "statement_type": "outstanding", "date": run_date.isoformat(), "output_format": output_format,
        "partner_ids": [(6, 0, partner_ids)],
    }])
    started = time.monotonic()
    rpc("ispec.statement.run", "action_start", ids=[run_id])
    deadline = started + timeout
    while time.monotonic() < deadline:
        # Read from the database: both workers may be busy with jobs, and a request would wait for one.
        if psql(f"SELECT state FROM ispec_statement_run WHERE id = {int(run_id)}", DB) == "done":
            seconds = time.monotonic() - started
            # The run is done; the small jobs that found it done already may still be queued: let them end.
            active = (f"SELECT count(*) FROM queue_job WHERE identity_key LIKE 'ispec.statement.run:{run_id}:%' "
                      "AND state IN ('wait_dependencies', 'pending', 'enqueued', 'started')")
            while psql(active, DB) != "0" and time.monotonic() < deadline:
                time.sleep(0.5)
            return run_id, seconds
        time.sleep(0.5)
    raise RuntimeError(f"statement run {run_id} not done after {timeout} s")


def verify(registry, run_id, partner_ids):
    """What a person would check: every customer's statement queued once, every job done, the batches
    spread over the workers. Returns the list of failures (empty: all good) and the worker pids."""
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415

    failures = []
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        run = env["ispec.statement.run"].browse(run_id)
        states = {}
        for line in run.line_ids:
            states[line.state] = states.get(line.state, 0) + 1
        if states != {"queued": len(partner_ids)}:
            failures.append(f"line states {states}, expected {len(partner_ids)} queued")
        if set(run.line_ids.partner_id.ids) != set(partner_ids):
            failures.append("the run's customers are not the ones chosen")
        messages = env["mail.message"].search([
            ("model", "=", "res.partner"), ("res_id", "in", partner_ids), ("message_type", "=", "comment"),
            ("attachment_ids", "!=", False), ("create_date", ">=", run.create_date),
        ])
        per_customer = dict.fromkeys(partner_ids, 0)
        for message in messages:
            per_customer[message.res_id] += 1
        wrong = {pid: n for pid, n in per_customer.items() if n != 1}
        if wrong:
            failures.append(f"{len(wrong)} customers without exactly one statement message: {list(wrong.items())[:5]}")
        mails = env["mail.mail"].search([("mail_message_id", "in", messages.ids)])
        recipients = {}
        for mail in mails:
            for partner in mail.recipient_ids:
                recipients[partner.id] = recipients.get(partner.id, 0) + 1
        if sorted(recipients.values()) != [1] * len(partner_ids) or set(recipients) != set(partner_ids):
            failures.append(f"{len(mails)} mails for {len(recipients)} recipients, expected one each of "
                            f"{len(partner_ids)}")
        jobs = env["queue.job"].search([("identity_key", "=like", f"ispec.statement.run:{run_id}:%")])
        job_states = {}
        for job in jobs:
            job_states[job.state] = job_states.get(job.state, 0) + 1
        if set(job_states) != {"done"}:
            failures.append(f"jobs not all done: {job_states}")
        senders = jobs.filtered(lambda job: job.method_name == "_ispec_job_send_batch")
        pids = set(senders.mapped("worker_pid"))
        if len(senders) > 1 and len(pids) < 2:
            failures.append(f"the {len(senders)} batch jobs all ran in one process {pids}: not in parallel")
        return failures, pids, len(senders)


def server_errors(logfile):
    """The server's log lines at ERROR or CRITICAL."""
    with open(logfile, encoding="utf-8", errors="replace") as handle:
        return [line.rstrip() for line in handle if re.search(r"^\S+ \S+ \d+ (ERROR|CRITICAL) ", line)]


def main():
    conf = server_conf()
    started = time.monotonic()
    create_database(conf)
    registry = environment(conf)
    partner_ids, key = make_customers(registry, CUSTOMERS)
    log(f"{len(partner_ids)} customers with an open invoice each")
    logfile = os.path.join(BUILD, "queue_workers", "server.log")
    process = start_server(conf, logfile)
    try:
        log(f"server up on port {PORT} (pid {process.pid}, 2 workers, channels {CHANNELS})")
        run_id, seconds = send_run(Rpc(key), partner_ids, date.today())
        log(f"statement run {run_id} ({FORMAT}) done in {seconds:.1f} s through the job runner")
    finally:
        stop_server(process)
    failures, pids, batches = verify(registry, run_id, partner_ids)
    failures += [f"server log: {line}" for line in server_errors(logfile)]
    for failure in failures:
        log(f"FAIL: {failure}")
    log(f"{batches} batch jobs in worker processes {sorted(pids)}; {time.monotonic() - started:.0f} s in all")
    if failures:
        log(f"FAILED: {len(failures)} problem(s); server log {logfile}")
        return 1
    log(f"OK: {len(partner_ids)} customers, each sent exactly once")
    return 0


if __name__ == "__main__":
    sys.exit(main())
