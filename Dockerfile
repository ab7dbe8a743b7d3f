# evoladder: the production bot image. It runs `evoladder run` (Discord, with DISCORD_TOKEN) and
# never the sandbox. Build: docker build -t evoladder .
# Run:   docker run -d --env-file .env -v evoladder-data:/app/data --stop-timeout 30 evoladder
#
# Two stages: the first builds the project's wheel with its one C extension (the matchmaker's
# assignment kernel; gcc is needed there and only there), the second installs it with its
# dependencies (all of them ship manylinux wheels: no compiler) and runs as an unprivileged user.

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY src ./src
RUN pip wheel --no-deps --wheel-dir /wheels .

FROM python:3.11-slim
# Optional extras of the package: --build-arg EXTRAS=s3 adds boto3 for S3-compatible replay storage.
ARG EXTRAS=""
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
COPY --from=build /wheels /wheels
RUN wheel=$(ls /wheels/*.whl) && pip install "${wheel}${EXTRAS:+[$EXTRAS]}" && rm -rf /wheels \
    && useradd --create-home --uid 10001 --user-group evoladder \
    && mkdir -p /app/data \
    && chown evoladder:evoladder /app/data
WORKDIR /app
# The SQLite file (./data/evoladder.db) and the replay directory (./data/replays) live here by
# default: mount a volume on it, or set DATABASE_URL to PostgreSQL and EVOLADDER_REPLAY_STORAGE to
# S3-compatible storage.
VOLUME ["/app/data"]
USER evoladder
# The database is brought to the code's schema first (idempotent; on SQLite it must run in this
# container, beside the volume), then the bot replaces the shell (exec) so it receives SIGTERM
# itself and drains: answers in flight, the command log and the outbound queue (give it 30 s).
STOPSIGNAL SIGTERM
CMD ["/bin/sh", "-c", "evoladder db upgrade && exec evoladder run"]
