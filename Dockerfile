# archgraph service image: slim Python, non-root, healthcheck on /healthz.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    ARCHGRAPH_DATA_DIR=/data

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY app ./app
COPY graph ./graph
COPY adr ./adr
COPY scanners ./scanners
COPY schemas ./schemas
COPY examples ./examples
RUN apt-get update \
    && apt-get install -y --no-install-recommends graphviz \
    && rm -rf /var/lib/apt/lists/* \
    && pip install --no-cache-dir -c constraints.txt . \
    && useradd --system --uid 10001 --user-group --home-dir /app archgraph \
    && mkdir -p /data && chown archgraph /data

USER 10001
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"]
CMD ["archgraph", "serve", "--host", "0.0.0.0", "--port", "8000"]
