"""gunicorn's settings for the web service (Dockerfile, docker-compose.yml).

`gunicorn --config config/gunicorn.py config.wsgi`; GUNICORN_CMD_ARGS and the
command line override any of them (the deployment test binds to a free port).
"""

import os

from gunicorn.glogging import Logger

from config.logs import JsonFormatter, redact_path

bind = "0.0.0.0:8000"
# Two processes per core is the usual start; set WEB_CONCURRENCY to change it,
# and add web containers to scale out (README, « Passer à l'échelle »).
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A request that needs more than this is a bug; the heavy work is Celery's.
timeout = 30
graceful_timeout = 20
# Recycled now and then, like the bilans' worker: memory goes back to the system.
max_requests = 2000
max_requests_jitter = 200
# The proxy in front (compose's own, or the host's) is the only client.
forwarded_allow_ips = "*"
# No control socket (gunicornc): signals and `docker compose restart` suffice,
# and several gunicorns on one machine (tests, benchmark) would share its path.
control_socket_disable = True

# Access and error logs on the container's output. The access line names the
# page (its secrets masked, config/logs.py), its answer and its time; not the
# client's address, user agent or query string.
accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(b)s %(M)sms"


class AccessLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        atoms["U"] = redact_path(atoms["U"] or "")
        atoms["r"] = f"{atoms['m']} {atoms['U']} {atoms['H']}"
        atoms["q"] = ""
        return atoms

    def setup(self, cfg):
        super().setup(cfg)
        if os.environ.get("LOG_FORMAT") == "json":
            # gunicorn's own lines (access and errors) as JSON objects, like Django's.
            for log in (self.error_log, self.access_log):
                for handler in log.handlers:
                    handler.setFormatter(JsonFormatter())


logger_class = AccessLogger
