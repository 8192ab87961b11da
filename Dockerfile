# One image for web, worker and beat (see docker-compose.yml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml ./
COPY ssi_dashboard ssi_dashboard
COPY tracking tracking
COPY scoring scoring
RUN pip install .

COPY . .
# collectstatic needs settings but no database or secret of its own.
RUN SECRET_KEY=collectstatic-only DATABASE_URL=sqlite:////tmp/none REDIS_URL=redis://localhost \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 ssi && mkdir -p /app/media && chown ssi /app/media
USER ssi
EXPOSE 8000
CMD ["gunicorn", "ssi_dashboard.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--threads", "4", "--access-logfile", "-"]
