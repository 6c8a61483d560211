"""HTTP Tasks over TLS: the certificate is verified against the trusted authorities, as AWS
verifies it (public APIs with publicly trusted certificates), so an untrusted one is a
States.Http.Socket failure. The tests make their own certificate for 127.0.0.1."""

import datetime
import ipaddress
import ssl
import threading
from http.server import ThreadingHTTPServer

import pytest

from asl_runtime import StateMachine
from http_support import LoopbackAPI, _handler_class

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

ARN = "arn:aws:events:us-east-1:123456789012:connection/Tls/1"
CONNECTIONS = {ARN: {"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "tls-key-123"}}}


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()))
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def tls_api(certificate):
    api = LoopbackAPI(server=None)
    api.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(api))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*map(str, certificate))
    api.server.socket = context.wrap_socket(api.server.socket, server_side=True)
    threading.Thread(target=api.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield api
    api.server.shutdown()
    api.server.server_close()


def https_task(api):
    url = f"https://127.0.0.1:{api.server.server_port}/secure"
    return StateMachine.from_json({"StartAt": "Call", "States": {"Call": {
        "Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True,
        "Parameters": {"ApiEndpoint": url, "Method": "POST", "RequestBody": {"a": 1},
                       "Authentication": {"ConnectionArn": ARN}}}}})


def test_an_untrusted_certificate_fails_with_states_http_socket(tls_api):
    result = https_task(tls_api).run({}, connections=CONNECTIONS)
    assert (result.status, result.error) == ("FAILED", "States.Http.Socket")
    assert "TLS failed" in result.cause
    assert tls_api.received == []  # nothing was sent over the unverified connection


def test_a_trusted_certificate_carries_the_request(tls_api, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # trust our authority, as a system would
    result = https_task(tls_api).run({}, connections=CONNECTIONS)
    assert result.status == "SUCCEEDED", result.cause
    assert tls_api.last().header("X-Api-Key") == "tls-key-123"
    assert tls_api.last().text == '{"a":1}'
