"""With Redis really stopped, the site keeps answering (issue 9 item 5).

Each test starts its own `redis-server` on a free port from 6391 up (never the shared one),
points the cache (`core.cache.ResilientRedisCache`) and the Celery broker at it, and stops
it by its pid. The cache is an optimisation, never a dependency: sign-up, login, the
application form, coverage and RSVPs answer without a 5xx; allauth's rate limits fall back
to this process's memory (with a warning), so they still hold; `/healthz` says
"degraded" with the cache "unavailable", and still answers 200 while the database is fine.
"""

from __future__ import annotations

import logging
import re
import shutil
import socket
import subprocess
import time

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import User
from municipalities import coverage
from outbox.models import OutgoingMail
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    SectionMembershipFactory,
    local_government,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db]

PASSWORD = "Yoko-ito-2026!"
RATE_LIMITS = {  # as in config/settings/base.py (the test settings turn them off)
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
APPLICATION = {
    "full_name": "横糸 花子",
    "full_name_kana": "ヨコイト ハナコ",
    "affiliation_type": "local_government",
    "prefecture": "01",
    "local_government": "011002",
    "department": "企画部 企画課",
    "position": "",
    "job_type": "general",
    "work_email": "",
    "introduction": "よろしくお願いします。",
    "agree": "on",
}


class RedisServer:
    """A redis-server of our own, on its own port, stopped by its pid."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if not binary:
            from tests.conftest import service_unavailable

            service_unavailable("needs the redis-server binary (apt-get install redis-server)")
        self.port = self._free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.binary = binary

    @staticmethod
    def _free_port() -> int:
        for port in range(6391, 6500):
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    continue
                return port
        raise RuntimeError("no free port from 6391 to 6499")

    def start(self) -> None:
        args = ["--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "no", "--daemonize", "no"]
        self.proc = subprocess.Popen(
            [self.binary, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not self.answers():
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server on port {self.port} did not start")
            time.sleep(0.05)

    def answers(self) -> bool:
        import redis

        try:
            return bool(redis.Redis.from_url(self.url, socket_connect_timeout=0.5).ping())
        except redis.exceptions.ConnectionError:
            return False

    def dbsize(self) -> int:
        import redis

        return redis.Redis.from_url(self.url, socket_connect_timeout=0.5).dbsize()

    def stop(self) -> None:
        """Stop our server by its pid (SIGTERM, then wait for it)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


def _forget_outages() -> None:
    """Each test starts with no remembered outage and an empty fallback memory."""
    from django.core.cache.backends import locmem

    from core import cache as resilient

    resilient._health.clear()
    for name in [n for n in locmem._caches if n.startswith("resilient-fallback:")]:
        locmem._caches[name].clear()
        locmem._expire_info[name].clear()


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    _forget_outages()
    yield server
    server.stop()
    _forget_outages()


@pytest.fixture
def on_redis(settings, redis_server, monkeypatch):
    """The cache and the Celery broker pointed at our own redis-server."""
    from config.celery import app

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": "yokoito-test",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_AFTER": 5},
        }
    }
    settings.REDIS_URL = redis_server.url
    settings.ACCOUNT_RATE_LIMITS = RATE_LIMITS

    def fresh_pools() -> None:
        if app._pool is not None:
            app._pool.force_close_all()
        app._pool = None
        app.amqp._producer_pool = None

    fresh_pools()
    monkeypatch.setattr(app.conf, "broker_url", redis_server.url)
    yield redis_server
    fresh_pools()  # the next test gets a pool for its own broker (memory://)


def assert_answers(response, *codes: int) -> None:
    assert response.status_code < 500, response.status_code
    if codes:
        assert response.status_code in codes, response.status_code


def test_with_redis_stopped_the_public_applicants_and_members_get_no_5xx(
    client, on_redis, caplog, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    meeting = MeetingFactory()
    member = MemberFactory(local_government=local_government("131016"))
    SectionMembershipFactory(section=meeting.section, user=member)

    # Redis is up and really used: the coverage page puts its numbers there.
    assert_answers(client.get("/coverage/"), 200)
    assert on_redis.dbsize() > 0
    assert client.get(reverse("healthz")).json()["cache"] == "ok"

    on_redis.stop()
    assert not on_redis.answers()
    caplog.set_level(logging.WARNING)
    coverage.forget()  # a process that starts now finds nothing in memory either
    assert cache.get(coverage.COVERAGE_CACHE_KEY) is None

    # Coverage computes without the shared cache.
    response = client.get("/coverage/")
    assert_answers(response, 200)
    assert 'data-testid="covered">1<small> / 1,788' in response.content.decode()
    assert_answers(client.get("/coverage/", {"prefecture": "13"}, HTTP_HX_REQUEST="true"), 200)
    assert_answers(client.get("/coverage/data.csv"), 200)
    assert_answers(client.get("/"), 200)
    assert any(
        r.name == "core.cache" and "unreachable" in r.getMessage() for r in caplog.records
    ), [r.getMessage() for r in caplog.records]

    # Sign-up, and the verification mail arrives (allauth's mails go out synchronously).
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("account_signup"),
            {"email": "new@city.sapporo.lg.jp", "password1": PASSWORD, "password2": PASSWORD},
        )
    assert_answers(response, 302)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new@city.sapporo.lg.jp"]
    sent = OutgoingMail.objects.get(to_email="new@city.sapporo.lg.jp")
    assert sent.status == OutgoingMail.Status.SENT
    link = re.search(r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link.group(1))
    assert_answers(response, 302)
    assert response["Location"] == reverse("application_edit")

    # The application form.
    assert_answers(client.get(reverse("application_edit")), 200)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("application_edit"), APPLICATION)
    assert_answers(response, 302)
    assert User.objects.get(email="new@city.sapporo.lg.jp").status == User.Status.SUBMITTED

    # Login works...
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "new@city.sapporo.lg.jp", "password": PASSWORD}
    )
    assert_answers(response, 302)
    client.logout()
    # ...and its rate limit still holds, counted in this process's memory: after 5 wrong
    # passwords for one address, the 6th attempt is refused even with the right password.
    for _ in range(5):
        response = client.post(
            reverse("account_login"), {"login": "new@city.sapporo.lg.jp", "password": "wrong"}
        )
        assert_answers(response, 200)
    response = client.post(
        reverse("account_login"), {"login": "new@city.sapporo.lg.jp", "password": PASSWORD}
    )
    assert_answers(response, 200)
    assert "_auth_user_id" not in client.session
    from accounts.adapter import lockout_message

    assert lockout_message() in response.content.decode()

    # A member's RSVP (its mail waits in the outbox: the broker is down too).
    client.force_login(member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("events:rsvp", args=[meeting.event.pk]), {"action": "going"})
    assert_answers(response, 302)
    assert meeting.event.registrations.get(user=member).status == "going"

    # /healthz tells the operator, and still answers 200 (the database is fine).
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json()["cache"] == "unavailable"
    assert response.json()["database"] == "ok"
    assert response.json()["status"] == "degraded"


def test_the_fallback_is_per_process_and_redis_is_used_again_when_it_returns(
    settings, redis_server, caplog
):
    from django.core.cache import cache

    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.ResilientRedisCache",
            "LOCATION": redis_server.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "RETRY_AFTER": 0.2},
        }
    }
    cache.set("k", "in redis")
    assert redis_server.dbsize() == 1
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="core.cache")
    assert cache.get("k") is None  # Redis held it; memory does not
    assert cache.add("k", "in memory") and cache.get("k") == "in memory"
    assert cache.add("n", 1) and cache.incr("n") == 2
    started = time.monotonic()
    for _ in range(200):  # no new connection attempt per call while Redis is down
        cache.get("k")
    assert time.monotonic() - started < 0.5
    assert not cache.probe()
    assert sum("unreachable" in r.getMessage() for r in caplog.records) == 1

    redis_server.start()
    time.sleep(0.25)  # RETRY_AFTER
    assert cache.get("k") is None  # Redis again (it restarted empty)
    cache.set("k", "in redis again")
    assert redis_server.dbsize() == 1
    assert any("answers again" in r.getMessage() for r in caplog.records)
    assert cache.probe()
