"""Production settings, the compose file and the Dockerfile (no Docker engine runs here)."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k3y-" + "x9Q2vL7pR4mN8bT1cZ6wY3hF5jD0sA" * 2


def _manage(*args, env_extra):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_no_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "SECRET_KEY": GOOD_KEY,
            "ALLOWED_HOSTS": "yokoito.example.jp",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_real_secret_key():
    result = _manage("check", env_extra={"DJANGO_SETTINGS_MODULE": "config.settings.production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_compose_file_defines_the_five_services():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    assert services["postgres"]["image"].startswith("postgres:16")
    assert services["redis"]["image"].startswith("redis:7")
    assert "gunicorn config.wsgi:application" in services["web"]["command"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "config", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "config", "beat"]
    for name, service in services.items():
        assert "healthcheck" in service, name
    for name in ("web", "worker", "beat"):
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:6379")
        assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]
    assert "pgdata" in compose["volumes"]


def test_dockerfile_is_slim_non_root_and_collects_static():
    text = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in text
    assert "collectstatic --noinput" in text
    assert "\nUSER app\n" in text
    assert "requirements/base.txt" in text
