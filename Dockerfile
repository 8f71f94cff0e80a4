# Trait d'union's image: the web application, the Celery workers and beat all run
# from it (docker-compose.yml). See README, « Déployer ».
# The same Debian release as the machines the tests run on.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# WeasyPrint's system libraries (the bilans and attendance sheets as PDFs):
# Pango, HarfBuzz and its subsetter (fonts embedded at their used glyphs only),
# and the DejaVu fonts the PDF templates ask for. Python's own wheels bring the rest.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 \
        fonts-dejavu-core fontconfig \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# Static files under hashed, compressed names, made once here. The settings need a
# key to load: a throw-away one, and throw-away folders, so nothing of the build
# stays in the image but the files.
RUN SECRET_KEY=collectstatic-only VAR_DIR=/tmp/build python manage.py collectstatic --noinput -v0 \
    && rm -rf /tmp/build

# The code belongs to root and is read-only for the application; it writes only
# under /app/var (media on a volume, beat's schedule).
RUN useradd --create-home --uid 1000 --user-group app \
    && mkdir -p /app/var/media \
    && chown -R app:app /app/var
USER app
ENV DJANGO_SETTINGS_MODULE=config.settings \
    VAR_DIR=/app/var \
    MEDIA_ROOT=/app/var/media

EXPOSE 8000
CMD ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi"]
