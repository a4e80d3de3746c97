# Production image of Mandate: gunicorn for the web, the same image runs the Celery worker and beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VAR_DIR=/var/lib/mandate \
    STATIC_ROOT=/app/staticfiles

# The libraries WeasyPrint loads at run time to lay out and render PDF reports.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .
# The compiled translation catalogues are not in git: Babel writes them (no GNU gettext in the image).
RUN python -m config.catalogues compile
# Static files are collected into the image (STATIC_ROOT, outside the VAR_DIR volume) and served by WhiteNoise.
# The key below only lets the settings load for collectstatic; the container gets its own at run time.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin mandate \
    && mkdir -p "$VAR_DIR" && chown mandate "$VAR_DIR"

USER mandate
EXPOSE 8000
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
