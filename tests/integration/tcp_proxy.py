"""A TCP proxy in front of a broker's bootstrap address that can refuse new connections.

Kafka clients use the bootstrap address only to learn the brokers' advertised addresses, then
talk to those directly: closing the proxy to new connections makes every *new* client fail to
bootstrap (a real connection failure) while clients already connected carry on.
"""

from __future__ import annotations

import contextlib
import socket
import threading


class BootstrapProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<target>; `refuse` new connections on demand."""

    def __init__(self, target_port: int, refuse_first: int = 0) -> None:
        self.target_port = target_port
        self.refuse_first = refuse_first  # the first N connections are closed at once
        self.refusing = False
        self.accepted = 0
        self.refused = 0
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="bootstrap proxy", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        self._server.settimeout(0.2)
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            if self.refusing or self.refused < self.refuse_first:
                self.refused += 1
                client.close()
                continue
            self.accepted += 1
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            for src, dst in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(src, dst), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        try:
            while chunk := src.recv(65536):
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for sock in (src, dst):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._stop.set()
        self._server.close()
        self._thread.join(timeout=2)
