"""The HTTP SMS provider adapter, against a local fake provider: a real HTTP
server on the loopback that records what it receives and answers as told."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from core import outbox
from core.models import Message
from core.sms import HttpBackend, SmsRejected, e164
from relais.models import Relais
from tests.relais.test_outbox import NOW, schedule

pytestmark = pytest.mark.django_db


class FakeProvider(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.received: list[dict] = []
        self.status = 200
        self.delay = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/sms"


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers["Content-Length"])
        self.server.received.append(
            {"path": self.path, "headers": dict(self.headers), "body": json.loads(self.rfile.read(length))}
        )
        time.sleep(self.server.delay)
        answer = {"id": "msg-1"} if self.server.status < 400 else {"error": "numéro inconnu du fournisseur"}
        payload = json.dumps(answer, ensure_ascii=False).encode()
        self.send_response(self.server.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def provider(settings):
    server = FakeProvider()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "core.sms.HttpBackend"
    settings.SMS_HTTP_URL = server.url
    settings.SMS_HTTP_TOKEN = "jeton-secret"
    settings.SMS_HTTP_SENDER = "HabitatLac"
    settings.SMS_HTTP_TIMEOUT = 1
    yield server
    server.shutdown()
    server.server_close()


def test_a_message_is_posted_once_with_the_token_the_key_and_an_e164_number(provider):
    HttpBackend().send(to="06 12 34 56 78", text="Réunion demain à 18 h", key="tdu-message-7")
    (request,) = provider.received
    assert request["path"] == "/v1/sms"
    assert request["headers"]["Authorization"] == "Bearer jeton-secret"
    assert request["headers"]["Idempotency-Key"] == "tdu-message-7"
    assert request["body"] == {
        "to": "+33612345678",
        "text": "Réunion demain à 18 h",
        "sender": "HabitatLac",
        "reference": "tdu-message-7",
    }


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_provider_in_trouble_is_a_temporary_failure(provider, status):
    provider.status = status
    with pytest.raises(OSError, match=f"HTTP {status}"):
        HttpBackend().send(to="0612345678", text="x", key="k")


def test_a_timeout_is_a_temporary_failure(provider):
    provider.delay = 2
    with pytest.raises(OSError, match="injoignable"):
        HttpBackend().send(to="0612345678", text="x", key="k")


def test_a_refusal_is_permanent_and_says_why(provider):
    provider.status = 400
    with pytest.raises(SmsRejected, match="numéro inconnu du fournisseur"):
        HttpBackend().send(to="0612345678", text="x", key="k")


def test_a_number_that_cannot_receive_an_sms_is_refused_without_a_request(provider):
    with pytest.raises(SmsRejected, match="n'est pas un numéro de téléphone valide"):
        HttpBackend().send(to="12", text="x", key="k")
    assert provider.received == []
    assert e164("+33 6 12 34 56 78") == e164("0033612345678") == "+33612345678"


def test_the_adapter_needs_its_url(settings):
    settings.SMS_HTTP_URL = ""
    with pytest.raises(ImproperlyConfigured, match="SMS_HTTP_URL"):
        HttpBackend()


def sms_relais(world, phone="06 12 34 56 78"):
    Relais.objects.filter(pk=world.relais_a.pk).update(preferred_channel="sms", phone=phone)
    world.relais_a.refresh_from_db()
    return world.relais_a


def test_through_the_outbox_a_sent_sms_is_marked_sent(world, provider):
    message = schedule(world, recipient=sms_relais(world))
    assert outbox.message_send(message.pk, now=NOW) == "sent"
    message.refresh_from_db()
    assert message.state == Message.State.SENT
    (request,) = provider.received
    assert request["body"]["reference"] == f"tdu-message-{message.pk}"


def test_through_the_outbox_a_provider_outage_is_retried_later(world, provider):
    provider.status = 500
    message = schedule(world, recipient=sms_relais(world))
    assert outbox.message_send(message.pk, now=NOW) == "retry"
    message.refresh_from_db()
    assert (message.state, message.attempts) == (Message.State.PENDING, 1)
    assert "HTTP 500" in message.last_error and message.next_attempt_at > NOW


def test_through_the_outbox_a_bad_number_fails_at_once_and_is_shown(world, provider):
    message = schedule(world, recipient=sms_relais(world, phone="12 34"))
    assert outbox.message_send(message.pk, now=NOW) == "failed"
    message.refresh_from_db()
    assert message.state == Message.State.FAILED and "12 34" in message.last_error
    assert provider.received == []
