"""The containers' health checks (docker-compose.yml), with the standard library
only: the image has no curl, and starting Django every 30 s would cost more than
the check itself.

    python deploy/healthcheck.py web    # /sante/ answers 200 (database and broker reached)
    python deploy/healthcheck.py beat   # beat wrote its schedule file lately

Exit status 0 when healthy, 1 otherwise, with one line saying why.
"""

import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

# Beat saves its schedule every few minutes while it sends tasks (dispatch-messages
# runs every minute): a file older than this means beat is stuck.
BEAT_STALE_SECONDS = 10 * 60


def web(port: str = "8000") -> str | None:
    # Django answers only to the names in ALLOWED_HOSTS: ask as the first of them.
    hosts = [h.strip().lstrip(".") for h in os.environ.get("ALLOWED_HOSTS", "").split(",") if h.strip()]
    host = next((h for h in hosts if h != "*"), "localhost")
    request = urllib.request.Request(f"http://127.0.0.1:{port}/sante/", headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            return None if response.status == 200 else f"/sante/ answered {response.status}"
    except urllib.error.HTTPError as error:
        return f"/sante/ answered {error.code}: {error.read(200).decode(errors='replace')}"
    except OSError as error:
        return f"/sante/ did not answer: {error}"


def beat() -> str | None:
    var_dir = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    files = list(var_dir.glob("celerybeat-schedule*"))
    if not files:
        return f"no schedule file under {var_dir}"
    age = time.time() - max(f.stat().st_mtime for f in files)
    return None if age < BEAT_STALE_SECONDS else f"schedule file not written for {age:.0f} s"


if __name__ == "__main__":
    checks = {"web": web, "beat": beat}
    if len(sys.argv) < 2 or sys.argv[1] not in checks:
        sys.exit(f"usage: {sys.argv[0]} {'|'.join(checks)} [port]")
    problem = checks[sys.argv[1]](*sys.argv[2:])
    if problem:
        print(problem)
        sys.exit(1)
    print("ok")
