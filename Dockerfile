# TB Registry: one image for the web server, the arq worker and migrations.
#
#   docker build -t tb-registry .
#   docker run -p 4025:4025 --env-file .env tb-registry           # web (`serve`, the default)
#   docker run --env-file .env tb-registry worker                 # jobs from REDIS_URL
#   docker run --env-file .env tb-registry migrate                # one-shot, before new web pods
#
# infra/compose.yaml and infra/k8s/ run exactly these three commands; tests/infra checks this
# file with hadolint and starts the compose services' commands as processes.

# --- build: resolve the locked dependencies into /app/.venv ------------------------------------
FROM python:3.11-slim-bookworm AS build

# uv from PyPI, pinned to the version that wrote uv.lock.
RUN pip install --no-cache-dir uv==0.13.9

# Byte-compile at build time (the runtime user cannot write __pycache__ under /app); use the
# image's Python, never a downloaded one.
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv

WORKDIR /app

# Dependencies first: this layer is rebuilt only when pyproject.toml or uv.lock change.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project

# The application. The project is installed editable (uv's default) on purpose: the web UI is
# found next to the packages (registry/web_ui.py looks in <repo>/web/dist), so the code stays
# in /app instead of moving into site-packages.
COPY domain ./domain
COPY registry ./registry
COPY schema ./schema
COPY storage ./storage
COPY workers ./workers
RUN uv sync --frozen --no-dev

# --- runtime: the venv, the code, the built web UI and GraphiQL, libmagic; no build tools ------
FROM python:3.11-slim-bookworm

# python-magic loads libmagic (and its database, libmagic-mgc) at run time to sniff uploads.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libmagic1=1:5.44-3 \
    && rm -rf /var/lib/apt/lists/*

# A fixed, unprivileged user; only DATA_DIR (upload spool, embedded fallbacks) is writable.
RUN groupadd --system --gid 10001 registry \
    && useradd --system --no-log-init --uid 10001 --gid registry \
        --home-dir /var/lib/tb-registry --create-home registry

COPY --from=build /app /app
# The built browser UI (web/dist is committed, with its licence notices). The built GraphiQL
# bundle and its notices came with schema/ above (schema/graphiql/static, built from
# infra/graphiql, whose sources the image does not need).
COPY web/dist /app/web/dist
COPY infra/docker/healthcheck.py /app/infra/docker/healthcheck.py

ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATA_DIR=/var/lib/tb-registry \
    SERVER_HOST=0.0.0.0 \
    SERVER_PORT=4025

WORKDIR /app
# Numeric, so Kubernetes can check runAsNonRoot without reading /etc/passwd.
USER 10001:10001
VOLUME ["/var/lib/tb-registry"]
EXPOSE 4025

# Liveness of `serve`. The worker and migrate containers answer no HTTP: compose and
# Kubernetes switch this probe off (or replace it) for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "/app/infra/docker/healthcheck.py", "/api/v1/health"]

ENTRYPOINT ["tb-registry"]
CMD ["serve"]
