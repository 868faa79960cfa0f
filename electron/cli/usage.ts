// Help text of the mailcase command.

export const USAGE = `Usage: mailcase <command> [options]

Forensic acquisition and review of one suspect POP3 mailbox.

Commands:
  test-connection --host H [--port N] [--security tls|starttls|none] --user U [--trust-fingerprint SHA256]
      Log in to the mailbox and report the message count, without downloading anything.
  acquire --case DIR --host H [--port N] [--security tls|starttls|none] --user U [--trust-fingerprint SHA256]
          [--auth auto|apop] [--json]
      Download every message not yet held into the case (created if missing), byte-exact, then parse and
      index it. Messages are never deleted on the server. Ctrl-C stops after the messages in flight are
      stored. --json prints the run record: new, held, vanished, reappeared, sizeChanged, bytes.
  search --case DIR QUERY [--json] [--limit N]
      Search the case with lunr's query syntax (terms, field:term, +required, -excluded, wild*, fuzzy~1).
  rules --case DIR [--rules FILE] [--json]
      Run a rule file (default: the case's rules/active-rules.json) and list the hits of every rule.
  export --case DIR --out FILE.zip [--query QUERY]
      Write a signed evidence bundle of all messages, or of the messages a search returns. An existing file is
      never overwritten.
  verify FILE.zip [--json] [--trusted-key PUBLIC_KEY.pem | --trusted-fingerprint SHA256]
      Check a bundle's files, manifests and signature, and whether the signer is the trusted key (by default,
      your own Mailcase key). Exit status 0 when valid, 1 when not.
  verify-case --case DIR [--json]
      Re-hash every stored message against its name and the custody log, and check the log's hash chain.
  web [--port N]
      Serve the app in the browser review mode on 127.0.0.1 and print its URL with the access token.

Options:
  --port N               POP3 port (default 995 for tls, 110 for starttls and none)
  --security MODE        tls (implicit TLS, default), starttls, or none (plain text; the password is sent unencrypted)
  --trust-fingerprint F  SHA-256 fingerprint of a server certificate to accept instead of chain verification
  --auth METHOD          auto (default: SASL PLAIN, else LOGIN, else USER/PASS, as the server offers) or apop
  --json                 Print machine-readable JSON on standard output

The password is read from the MAILCASE_PASSWORD environment variable, or asked for on the terminal.
It is never accepted as an argument.

Exit status: 0 success, 1 verification found problems, 2 error.`;
