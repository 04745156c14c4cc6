# Production image: slim Python, non-root user, static files collected at build time.
FROM python:3.11-slim AS app

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    YOKOITO_VAR_DIR=/app/var

WORKDIR /app
COPY requirements/base.txt requirements/base.txt
RUN pip install -r requirements/base.txt

COPY . .
# collectstatic needs a syntactically valid key; the real one comes from the environment.
RUN SECRET_KEY=build-only-$(python -c "import secrets; print(secrets.token_urlsafe(64))") \
    python manage.py collectstatic --noinput \
 && groupadd --system app && useradd --system --gid app --home /app app \
 && mkdir -p /app/var/media && chown -R app:app /app/var

USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status == 200 else 1)"
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
