# NeuroLake: the REST API (`neurolake serve`, the default command) and the chat
# (`neurolake chat --headless`) from one image; the same image runs the Spark master, worker
# and Connect server (pyspark's own launchers). docker-compose.yml wires the services.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NEUROLAKE_HOME=/data \
    SPARK_HOME=/usr/local/lib/python3.11/site-packages/pyspark \
    SPARK_LOG_DIR=/tmp/spark/logs \
    SPARK_PID_DIR=/tmp/spark/pids \
    SPARK_WORKER_DIR=/tmp/spark/work

# Spark (local mode, the compose's cluster and Connect server) runs on a Java 17 runtime.
RUN apt-get update \
    && apt-get install -y --no-install-recommends openjdk-17-jre-headless \
    && rm -rf /var/lib/apt/lists/*

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
# /lake: a lakehouse folder shared by NeuroLake and the Spark containers (compose's `spark` profile).
RUN pip install -e . \
    && useradd --system --uid 10001 --home-dir /data neurolake \
    && mkdir -p /data /lake \
    && chown neurolake /data /lake

USER neurolake
VOLUME ["/data"]
EXPOSE 8080 8000
CMD ["neurolake", "serve"]
