# One image for web and worker; docker-compose.yml chooses the command.
FROM node:20-bookworm-slim AS static
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 DEBUG=false
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
# The locked versions, each checked against its hash, before our own code (no resolving here).
COPY requirements.txt ./
RUN pip install --no-cache-dir --require-hashes -r requirements.txt
COPY . .
COPY --from=static /src/node_modules ./node_modules
RUN pip install --no-cache-dir --no-deps . \
 && SECRET_KEY=collectstatic-only-never-used-to-sign-anything-0123456789abcdef python manage.py collectstatic --noinput
RUN useradd --system --home /app portal && mkdir -p /data/media && chown -R portal /data
USER portal
EXPOSE 8000
CMD ["gunicorn", "tiku_portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
