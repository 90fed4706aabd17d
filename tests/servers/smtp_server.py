#!/usr/bin/python3
"""Loopback SMTP server for the email tests (Debian's python3-aiosmtpd).

    smtp_server.py --port-file FILE --log FILE [--cert PEM --key PEM [--smtps]]
                   [--user NAME --password SECRET]

With a certificate it offers STARTTLS and requires it before AUTH and MAIL (or, with
--smtps, speaks TLS from the first byte, as SMTPS on port 465 does); with a user
it requires AUTH (PLAIN or LOGIN) and answers 535 to a wrong password. Every accepted
message is appended to the log as one JSON line: {"mail_from", "rcpt_tos", "data",
"auth_user", "tls"}. The port is written to the port file once the server listens;
SIGTERM stops it.
"""
import argparse
import json
import logging
import os
import signal
import socket
import ssl
import sys
import threading
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, log_path, implicit_tls):
        self.log_path = log_path
        self.implicit_tls = implicit_tls  # SMTPS: the whole connection is TLS
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "data": envelope.original_content.decode("utf-8", "replace"),
            "auth_user": session.auth_data.login.decode() if isinstance(
                session.auth_data, LoginPassword) else None,
            "tls": self.implicit_tls or session.ssl is not None,
        }
        with self.lock, open(self.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        return "250 OK"


def authenticator_for(user, password):
    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False makes aiosmtpd answer 535 instead of leaving the client waiting.
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return authenticate


def free_port():
    # aiosmtpd's Controller cannot listen on port 0 itself.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    # aiosmtpd 1.4 warns about its own login_data on every AUTH, and about AUTH without
    # STARTTLS even when the connection is SMTPS.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    p = argparse.ArgumentParser()
    p.add_argument("--port-file", required=True)
    p.add_argument("--log", required=True)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--smtps", action="store_true")
    p.add_argument("--user")
    p.add_argument("--password")
    a = p.parse_args()

    kwargs = {}
    controller_kwargs = {}
    if a.cert and a.smtps:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
        controller_kwargs["ssl_context"] = context
    elif a.cert:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(a.cert, a.key)
        kwargs["tls_context"] = context
        kwargs["require_starttls"] = True
    if a.user:
        kwargs["authenticator"] = authenticator_for(a.user, a.password or "")
        kwargs["auth_required"] = True
        kwargs["auth_require_tls"] = bool(a.cert) and not a.smtps
    port = free_port()
    controller = Controller(Recorder(a.log, bool(a.cert and a.smtps)), hostname="127.0.0.1", port=port,
                            **controller_kwargs, **kwargs)
    controller.start()
    tmp = a.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(port))
    os.replace(tmp, a.port_file)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
