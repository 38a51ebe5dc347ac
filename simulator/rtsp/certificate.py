"""The bridge's TLS identity: a self-signed certificate made when the simulator starts.

Clients verify it against the same certificate written as a PEM file (`Simulator.rtsp_ca_file`),
or switch verification off (FFmpeg: `tls_verify=0`). The key is an ephemeral P-256 key that
never leaves the temporary directory, which is removed when the simulator stops.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
import ipaddress
from pathlib import Path
import shutil
import ssl
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

_VALIDITY = timedelta(days=7)


def _subject_names(host: str) -> list[x509.GeneralName]:
    """Return the names the certificate is valid for: the bound host, loopback, localhost."""
    names: list[x509.GeneralName] = [x509.DNSName("localhost")]
    addresses = {"127.0.0.1"}
    try:
        ipaddress.ip_address(host)
        addresses.add(host)
    except ValueError:
        names.append(x509.DNSName(host))
    names.extend(x509.IPAddress(ipaddress.ip_address(a)) for a in sorted(addresses))
    return names


@dataclass(kw_only=True)
class BridgeCertificate:
    """A certificate and key on disk, and a server context that uses them."""

    directory: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def create(cls, host: str) -> BridgeCertificate:
        """Generate a key and a self-signed certificate for `host` into a new temp dir."""
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name(
            [x509.NameAttribute(NameOID.COMMON_NAME, "Ring RTSP bridge (simulator)")]
        )
        now = datetime.now(UTC)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + _VALIDITY)
            .add_extension(x509.SubjectAlternativeName(_subject_names(host)), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                True,
            )
            .sign(key, hashes.SHA256())
        )
        directory = Path(tempfile.mkdtemp(prefix="ring-sim-rtsp-"))
        cert_file = directory / "bridge-ca.pem"
        key_file = directory / "bridge-key.pem"
        cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_file.chmod(0o600)
        return cls(directory=directory, cert_file=cert_file, key_file=key_file)

    def server_context(self) -> ssl.SSLContext:
        """Return a TLS server context with this certificate (TLS 1.2 or later)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.cert_file, self.key_file)
        return context

    def remove(self) -> None:
        """Delete the certificate, the key and their directory."""
        shutil.rmtree(self.directory, ignore_errors=True)
