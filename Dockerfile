# syntax=docker/dockerfile:1
# One image for web (gunicorn), worker and beat (celery); docker-compose.yml picks the
# command. The project is installed as a package, so the runtime image holds no source
# tree, only the virtualenv and manage.py.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
WORKDIR /src
COPY . .
RUN /opt/venv/bin/pip install .

FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=glocal.settings \
    GLOCAL_VAR_DIR=/var/lib/glocal \
    WEB_CONCURRENCY=3
RUN groupadd --system --gid 10001 glocal \
    && useradd --system --uid 10001 --gid glocal --create-home --home-dir /home/glocal glocal
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY manage.py ./
# Static files are collected into the image (whitenoise serves them from its manifest),
# so settings are imported in production mode here. The key only satisfies the
# "SECRET_KEY is required when DEBUG is off" check; it is not kept in the image.
RUN SECRET_KEY=build-time-dummy-key-for-collectstatic-only DEBUG=0 \
        python manage.py collectstatic --no-input --verbosity 0 \
    && mkdir -p "$GLOCAL_VAR_DIR/media" \
    && chown -R glocal:glocal "$GLOCAL_VAR_DIR"
USER glocal
EXPOSE 8000
# gunicorn reads WEB_CONCURRENCY for its worker count and GUNICORN_CMD_ARGS for extras.
CMD ["gunicorn", "glocal.wsgi:application", "--bind", "0.0.0.0:8000", "--access-logfile", "-"]
