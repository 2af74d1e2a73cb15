# syntax=docker/dockerfile:1
# devcenter's image: `docker build -t registry.example.com/devcenter:0.1.0 .`
# Every build step is bin/build-image-contents (CI runs it outside a container too:
# tests/deploy/test_image_contents.py). The base is pinned by digest; change it on purpose:
#   docker build --build-arg PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:<digest> .
ARG PYTHON_IMAGE=python:3.12-slim-bookworm@sha256:34386ef0cb081344d7ec1c103ba398e6e9f64e9ab3a1509accc92a4e24a07258

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# The whole context (.dockerignore keeps caches out); the script copies the product's part.
COPY . .
RUN PYTHON=python3 bin/build-image-contents /opt/devcenter

FROM ${PYTHON_IMAGE}
# A fixed uid/gid (the manifests' runAsUser 10001), no login shell, owning nothing it runs.
RUN groupadd --system --gid 10001 devcenter \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin devcenter
COPY --from=build /opt/devcenter /opt/devcenter
ENV PATH=/opt/devcenter/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    STATIC_HASHED_NAMES=1 \
    STATIC_ROOT=/opt/devcenter/static \
    DEVCENTER_VAR_DIR=/tmp/devcenter
WORKDIR /opt/devcenter/app
USER 10001:10001
EXPOSE 8000
CMD ["gunicorn", "-c", "python:devcenter.gunicorn", "devcenter.wsgi"]
