"""A failed TLS handshake with the broker names OpenSSL's reason (issue 26 item 8): real handshakes
on loopback with the test certificates, verified strictly as Python 3.13 does on every Python."""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from pathlib import Path

from firestorm.streams.kafka.topics import tls_failure
from tests.integration.tls import Certificates, make_certificates


def handshake(certificates: Certificates, ca: Path, server_name: str = "127.0.0.1") -> str:
    """'ok', or the client's ssl error as text, from a strict client (VERIFY_X509_STRICT, the default
    of Python 3.13's create_default_context) against a server with the broker's certificate."""
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    folder = certificates.keystore.parent
    server_ctx.load_cert_chain(folder / "broker.pem", folder / "broker.key")
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn, contextlib.suppress(ssl.SSLError, OSError):  # the server side of a refused handshake
            server_ctx.wrap_socket(conn, server_side=True).close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    client_ctx = ssl.create_default_context(cafile=str(ca))
    client_ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            client_ctx.wrap_socket(raw, server_hostname=server_name).close()
        return "ok"
    except ssl.SSLError as exc:
        return str(exc)
    finally:
        thread.join(10)
        listener.close()


def test_the_test_certificates_pass_strict_verification(tmp_path: Path) -> None:
    """Before: the CA had no keyUsage, which Python 3.13 refuses ("CA cert does not include key
    usage extension"), and test_tls_with_the_brokers_ca_works_end_to_end failed there."""
    certificates = make_certificates(tmp_path)
    assert handshake(certificates, certificates.ca) == "ok"


def test_a_malformed_ca_is_named_as_the_cause_not_an_untrusted_or_mismatched_certificate(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path, ca_extensions=("basicConstraints=critical,CA:TRUE",))
    error = handshake(certificates, certificates.ca)
    assert "CA cert does not include key usage extension" in error
    message = tls_failure([error])
    assert message.startswith("TLS handshake failed: the broker's certificate chain is malformed (")
    assert "CA cert does not include key usage extension" in message and "3.13" in message
    assert "not trusted" not in message and "does not match" not in message


def test_another_ca_and_another_address_are_told_apart(tmp_path: Path) -> None:
    certificates = make_certificates(tmp_path)
    untrusted = tls_failure([handshake(certificates, certificates.stranger_ca)])
    assert untrusted.startswith("TLS handshake failed: the broker's certificate is not trusted (")
    assert "FIRESTORM_KAFKA_SSL_CAFILE" in untrusted
    elsewhere = tls_failure([handshake(certificates, certificates.ca, server_name="127.0.0.2")])
    assert elsewhere.startswith("TLS handshake failed: the broker's certificate does not match its address (")
    assert "127.0.0.2" in elsewhere and "FIRESTORM_KAFKA_SSL_CHECK_HOSTNAME" in elsewhere


def test_without_openssls_reason_both_causes_are_named() -> None:
    assert "not trusted, or does not match its address" in tls_failure(["SSL connection closed"])
