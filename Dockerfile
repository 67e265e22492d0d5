# NeuroLake: the REST API (`neurolake serve`, the default command) and the chat
# (`neurolake chat --headless`) from one image. docker-compose.yml wires the services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEUROLAKE_HOME=/data

WORKDIR /opt/neurolake

# The CPU build of torch goes in first, so sentence-transformers does not pull the CUDA
# build (gigabytes this image never uses). Same pin as the Makefile.
RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0

COPY pyproject.toml README.md alembic.ini ./
COPY alembic ./alembic
COPY prompts ./prompts
COPY neurolake ./neurolake
COPY agents ./agents
COPY app ./app
# Editable install: the catalog finds its migrations (alembic/) and prompts next to the source.
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /data neurolake \
    && mkdir -p /data \
    && chown neurolake /data

USER neurolake
VOLUME ["/data"]
EXPOSE 8080 8000
CMD ["neurolake", "serve"]
