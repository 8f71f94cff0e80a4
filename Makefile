# Two commands: `make run` (the product, on its embedded default) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
ADDR ?= 127.0.0.1:8000

.PHONY: run test venv lint clean bench-reminders bench-bilan bench-enquetes bench-attestations bench-images bench

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

# The development toolbox (devtools: demo data, benchmarks, run_local) is
# installed by these targets only; production settings never install it.
export DEVTOOLS := 1

# The demo runs as production does (DEBUG off: the product's own French error
# pages, static files by whitenoise), over plain HTTP on this machine, and its
# e-mails and SMS link to the address it listens on.
RUN_ENV = DEBUG=0 ALLOWED_HOSTS=$(firstword $(subst :, ,$(ADDR))),localhost,127.0.0.1 SITE_URL=http://$(ADDR) \
  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
  STATIC_ROOT=$(or $(VAR_DIR),var)/static

RUN_STATIC = $(or $(VAR_DIR),var)/static/staticfiles.json
$(RUN_STATIC): $(shell find static -type f) | venv
	@$(RUN_ENV) $(PY) manage.py collectstatic --noinput -v0

run: venv $(RUN_STATIC)
	@$(RUN_ENV) $(PY) manage.py migrate --noinput -v0
	@$(RUN_ENV) $(PY) manage.py seed_demo
	@echo ""
	@echo "  Trait d'union tourne sur http://$(ADDR)/  (Ctrl-C arrête tout)"
	@echo "  Comptes de démonstration, mot de passe demo1234 :"
	@echo "    mediation@habitat-du-lac.test   médiation, Habitat du Lac"
	@echo "    mediation@tilleuls.test         médiation, Centre social des Tilleuls"
	@echo "    partenaire@habitat-du-lac.test  partenaire (lecture seule)"
	@echo "    relais@habitat-du-lac.test      habitant-relais"
	@echo "    admin@demo.test                 super-administrateur (/admin/)"
	@echo ""
	@$(RUN_ENV) $(PY) manage.py run_local $(ADDR)

# The suite runs on both cores (pytest-xdist). Tests that start workers on the
# shared broker keep to one process, one after the other (tests/conftest.py,
# --dist loadgroup); the load and fault tests run alone, last (marker exclusive).
# TEST_WORKERS=0: everything in one process.
TEST_WORKERS ?= 2
test: venv
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup -m "not exclusive"
	$(VENV)/bin/pytest -m exclusive

# The benchmarks are devtools' commands (devtools/management/commands/bench_*.py).
bench-reminders: venv
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py bench_reminders --count $${COUNT:-10000}

bench-bilan: venv
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py bench_bilan

# A questionnaire of 20 questions answered 5,000 times: its results page and PDF.
bench-enquetes: venv
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py bench_enquetes

# Every attestation d'engagement of a year for 300 relais, as the worker makes them.
bench-attestations: venv
	DEBUG=1 $(PY) manage.py migrate --noinput -v0
	DEBUG=1 $(PY) manage.py bench_attestations

# Peak memory of a worker cleaning the worst photo it accepts (each in a child process).
bench-images: venv
	DEBUG=1 $(PY) manage.py bench_images

# The web stack at scale against its own floor (README, « Web benchmark »): a
# database of its own on the PostgreSQL and Redis of this machine, remade each
# time; production settings but plain HTTP on loopback. wrk is Debian's.
BENCH_DATABASE_URL ?= postgres://root@127.0.0.1:5432/traitdunion_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/1
# Two scales in one run: today's data, then ten times as many organisations
# added to it (and one landlord of 1,500 residences). SCALE=small: a fifth, alone.
BENCH_SCALES ?= 1,10
bench: venv
	@command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null \
	  || { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
	DATABASE_URL=$(BENCH_DATABASE_URL) REDIS_URL=$(BENCH_REDIS_URL) DEBUG=0 \
	  SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0 SECURE_HSTS_SECONDS=0 \
	  ALLOWED_HOSTS=127.0.0.1 VAR_DIR=var/bench STATIC_ROOT=var/bench/static LOG_LEVEL=WARNING \
	  EMAIL_BACKEND=django.core.mail.backends.locmem.EmailBackend \
	  $(PY) manage.py bench_web --fresh --scales $(if $(filter small,$(SCALE)),0.2,$(or $(SCALE),$(BENCH_SCALES)))

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean:
	rm -rf $(VENV) var
