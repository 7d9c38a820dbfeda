"""A real SMTP server for tests (aiosmtpd): writes each message, parsed by Python's email package, to a directory.

Usage: smtp_server.py PORT DIR MODE [USER PASSWORD [clear]]
MODE: plain (no TLS), starttls (offers STARTTLS), tls (TLS from the first byte); DIR/cert.pem and DIR/key.pem are
the certificate for starttls and tls. With USER and PASSWORD, AUTH is required before MAIL; 'clear' offers AUTH
without TLS too. Each message goes to DIR/mail/N/ as files: from, rcpt (a line each), subject (decoded),
content_type, text (the text/plain part), html (the text/html part), raw.eml. Each AUTH try is a line of DIR/auth.log.
Prints READY on stdout once it listens.
"""
import asyncio
import email
import email.header
import email.policy
import os
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword

port, root, mode = int(sys.argv[1]), sys.argv[2], sys.argv[3]
user = sys.argv[4] if len(sys.argv) > 4 else None
password = sys.argv[5] if len(sys.argv) > 5 else None
clear = len(sys.argv) > 6 and sys.argv[6] == "clear"
maildir = os.path.join(root, "mail")
os.makedirs(maildir, exist_ok=True)
counter = [0]


def write(d, name, text):
    with open(os.path.join(d, name), "w", encoding="utf-8") as f:
        f.write(text)


class Handler:
    async def handle_DATA(self, server, session, envelope):
        counter[0] += 1
        d = os.path.join(maildir + ".tmp", str(counter[0]))
        os.makedirs(d)
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        write(d, "from", envelope.mail_from)
        write(d, "rcpt", "\n".join(envelope.rcpt_tos) + "\n")
        write(d, "subject", str(email.header.make_header(email.header.decode_header(msg["Subject"] or ""))))
        write(d, "content_type", msg.get_content_type())
        for part in msg.walk():
            if part.get_content_type() == "text/plain":
                write(d, "text", part.get_content())
            elif part.get_content_type() == "text/html":
                write(d, "html", part.get_content())
        with open(os.path.join(d, "raw.eml"), "wb") as f:
            f.write(envelope.content)
        os.replace(d, os.path.join(maildir, str(counter[0])))  # whole messages only
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user \
        and auth_data.password.decode() == password
    with open(os.path.join(root, "auth.log"), "a") as f:
        f.write("%s %s %s\n" % (mechanism, auth_data.login.decode() if isinstance(auth_data, LoginPassword)
                                else "?", "ok" if ok else "refused"))
    return AuthResult(success=ok, handled=False)  # handled=False: the server sends 535 itself


def main():
    os.makedirs(maildir + ".tmp", exist_ok=True)
    context = None
    if mode in ("starttls", "tls"):
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(os.path.join(root, "cert.pem"), os.path.join(root, "key.pem"))
    kwargs = {}
    if mode == "starttls":
        kwargs["tls_context"] = context
    if user is not None:
        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=not clear)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(loop.create_server(
        lambda: SMTP(Handler(), hostname="smtp.test", **kwargs), "127.0.0.1", port,
        ssl=context if mode == "tls" else None))
    print("READY", flush=True)
    try:
        loop.run_forever()
    finally:
        server.close()


main()
