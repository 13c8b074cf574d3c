"""A throwaway certificate authority for the TLS broker test, made with openssl.

The certificates are proper ones (RFC 5280 profile): Python 3.13 verifies X.509 strictly
(VERIFY_X509_STRICT) and refuses a CA without keyUsage ("CA cert does not include key usage
extension") or a leaf without an authority key identifier, which Python 3.11 accepts.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the CA that signed the broker's certificate (what clients must trust)
    keystore: Path  # the broker's PEM keystore: PKCS#8 key, then its certificate and the CA's
    stranger_ca: Path  # another CA, which did not sign the broker's certificate


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


CA_EXTENSIONS = (
    "basicConstraints=critical,CA:TRUE",
    "keyUsage=critical,keyCertSign,cRLSign",
    "subjectKeyIdentifier=hash",
)
BROKER_EXTENSIONS = (
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "subjectKeyIdentifier=hash",
    "authorityKeyIdentifier=keyid,issuer",
)


def _ca(folder: Path, name: str, ca_extensions: tuple[str, ...] = CA_EXTENSIONS) -> tuple[Path, Path]:
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    extensions = [arg for ext in ca_extensions for arg in ("-addext", ext)]
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", f"/CN={name}",
             "-config", "/dev/null", *extensions, "-keyout", str(key), "-out", str(cert), cwd=folder)  # fmt: skip
    return key, cert


def make_certificates(folder: Path, ca_extensions: tuple[str, ...] = CA_EXTENSIONS) -> Certificates:
    """`ca_extensions` other than the default make a CA that strict verification refuses (tests of that)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca_key, ca_cert = _ca(folder, "firestorm-test-ca", ca_extensions)
    _stranger_key, stranger_cert = _ca(folder, "stranger-ca")
    (folder / "broker.ext").write_text("".join(ext + "\n" for ext in BROKER_EXTENSIONS))
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
             "-keyout", "broker.key", "-out", "broker.csr", cwd=folder)  # fmt: skip
    _openssl("x509", "-req", "-in", "broker.csr", "-CA", str(ca_cert), "-CAkey", str(ca_key), "-CAcreateserial",
             "-days", "2", "-extfile", "broker.ext", "-out", "broker.pem", cwd=folder)  # fmt: skip
    _openssl("pkcs8", "-topk8", "-nocrypt", "-in", "broker.key", "-out", "broker.pk8", cwd=folder)
    keystore = folder / "broker-keystore.pem"
    keystore.write_text((folder / "broker.pk8").read_text() + (folder / "broker.pem").read_text() + ca_cert.read_text())
    return Certificates(ca=ca_cert, keystore=keystore, stranger_ca=stranger_cert)
