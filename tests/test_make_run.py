"""`make run` as a newcomer uses it: it serves the login page and the staff
dashboard for the demo login, with the Celery worker running, and one Ctrl-C
stops everything."""

import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(predicate, timeout: float, proc) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        assert proc.poll() is None, "make run stopped early"
        time.sleep(0.5)
    raise AssertionError("timed out")


def test_make_run_links_to_the_address_it_listens_on():
    """E-mails and SMS carry SITE_URL: `make run ADDR=…` sets it to that address."""
    plan = subprocess.run(
        ["make", "--no-print-directory", "-n", "run", "ADDR=127.0.0.1:8101"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    lines = [line for line in plan.splitlines() if "run_local" in line]
    assert lines and "SITE_URL=http://127.0.0.1:8101" in lines[0] and "DEBUG=0" in lines[0], plan


@pytest.mark.slow
def test_make_run_serves_the_demo_with_a_worker_and_stops_on_ctrl_c(tmp_path):
    port = _free_port()
    log = tmp_path / "run.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
    }
    env.update(VAR_DIR=str(tmp_path / "var"), PYTHONUNBUFFERED="1")
    with log.open("w") as out:
        proc = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"ADDR=127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:

        def up() -> bool:
            try:
                return urllib.request.urlopen(base + "/comptes/login/", timeout=2).status == 200
            except OSError:
                return False

        _wait_for(up, 180, proc)
        # As a newcomer trying the demo meets them: the product's own French pages, not
        # Django's technical page listing every URL; the browser's icon is there.
        try:
            opener_404 = urllib.request.urlopen(base + "/une-page-qui-n-existe-pas/", timeout=5)
            raise AssertionError(f"expected a 404, got {opener_404.status}")
        except urllib.error.HTTPError as error:
            missing = error.read().decode()
            assert error.code == 404 and "Page introuvable" in missing and "URLconf" not in missing
        icon = urllib.request.urlopen(base + "/favicon.ico", timeout=5)
        assert icon.status == 200 and icon.headers["Content-Type"] == "image/png"
        # Two workers: the default one (with beat) and the bilans' one.
        _wait_for(lambda: log.read_text().count("ready.") >= 2, 60, proc)

        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        page = opener.open(base + "/comptes/login/").read().decode()
        assert "Connexion" in page
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode(
            {"login": "mediation@habitat-du-lac.test", "password": "demo1234", "csrfmiddlewaretoken": token}
        ).encode()
        response = opener.open(urllib.request.Request(base + "/comptes/login/", data=form))
        # Staff land on what waits for them (the demo has some), then the dashboard.
        assert response.url.endswith("/a-traiter/")
        assert "À traiter" in response.read().decode()
        dashboard = opener.open(base + "/tableau-de-bord/").read().decode()
        assert "Tableau de bord" in dashboard
        assert "relais actifs" in dashboard
        text = log.read_text()
        assert "demo1234" in text and f"http://127.0.0.1:{port}/" in text

        # The demo's bilan, regenerated through the embedded broker by the bilans' worker.
        bilans = opener.open(base + "/bilans/").read().decode()
        detail_url = base + re.search(r'href="(/bilans/\d+/)"', bilans).group(1)
        detail = opener.open(detail_url).read().decode()
        assert "Télécharger le PDF" in detail
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', detail).group(1)
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": token}).encode()
        opener.open(urllib.request.Request(detail_url + "generer/", data=form)).read()

        def regenerated() -> bool:
            state = opener.open(detail_url + "etat/").read().decode()
            assert "Échec" not in state, state
            return "Prêt" in state and "data-live" not in state

        _wait_for(regenerated, 120, proc)
        pdf = opener.open(detail_url + "bilan.pdf")
        assert pdf.headers["Content-Type"] == "application/pdf" and pdf.read(5) == b"%PDF-"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise
    # The worker finishes a warm shutdown; give it a moment, then nothing may remain.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        leftovers = subprocess.run(
            ["ps", "-o", "pid,args", "--no-headers", "-g", str(proc.pid)], capture_output=True, text=True
        ).stdout.strip()
        if not leftovers:
            break
        time.sleep(0.5)
    assert leftovers == "", f"processes left after Ctrl-C:\n{leftovers}"
