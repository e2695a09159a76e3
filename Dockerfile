# storysift worker image: `docker build -t storysift .`, then `docker run storysift` runs
# `storysift worker`; any other subcommand works too (`docker run storysift topics`).
# Configure with STORYSIFT_* variables (consumers/settings.py), as on the local path.

FROM python:3.11-slim AS build
# Build tools only in this stage: the tree walk, text features, segmenter and guard scan (setup.py) and some dependencies compile C.
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY consumers ./consumers
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11-slim
ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    STORYSIFT_DATA_DIR=/var/lib/storysift \
    STORYSIFT_METRICS_PORT=9108
RUN useradd --system --uid 10001 --home-dir /var/lib/storysift --create-home storysift
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir --no-index /wheels/*.whl && rm -rf /wheels \
 && python -c "from consumers.pipeline.trees import COMPILED_WALK; assert COMPILED_WALK, 'the C tree walk was not built'" \
 && python -c "from consumers.pipeline.features import COMPILED_TEXT_FEATURES; assert COMPILED_TEXT_FEATURES, 'the C text features were not built'" \
 && python -c "from consumers.pipeline.html_blocks import COMPILED_SEGMENTER; assert COMPILED_SEGMENTER, 'the C segmenter was not built or failed its self-check'" \
 && python -c "from consumers.pipeline.guards import COMPILED_GUARD_SCAN; assert COMPILED_GUARD_SCAN, 'the C guard scan was not built or failed its self-check'"
USER 10001
WORKDIR /var/lib/storysift
# /metrics, /healthz, /readyz (consumers/observability.py)
EXPOSE 9108
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('STORYSIFT_METRICS_PORT', '9108'), timeout=2)"]
ENTRYPOINT ["storysift"]
CMD ["worker"]
