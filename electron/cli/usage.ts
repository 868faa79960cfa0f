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
  search --case DIR QUERY [--json] [--limit N] [--sort relevance|date] [--explain]
      Search the case. QUERY has words, "exact phrases", AND, OR, NOT (or -word), parentheses, pric*,
      falcn~1, a NEAR/5 b (within 5 words), a ADJ/5 b (a first), and field:value conditions: subject: body:
      attachment: from: to: cc: bcc: participant: domain: filename: filetype: has:attachment is:encrypted
      is:flagged tag: date:2026-01-01..2026-03-31 before: after: size:>1MB. Dates are UTC days, both ends
      of date: included; before:D excludes day D, after:D includes it. --sort date lists the newest first.
      --explain prints how the query is understood and does not search.
  rules --case DIR [--rules FILE] [--json]
      Run a rule pack (default: the case's rules/active-rules.json, else the built-in default pack) over
      every message, tag the hits, and list each hit with its explanation. --json prints
      {"rules": [{"id", "name", "severity", "hits", "messages"}], "record": the run record}.
  export --case DIR --out FILE.zip [--query QUERY] [--investigator NAME] [--organisation NAME]
         [--case-reference REF] [--mbox] [--tsa URL] [--json]
      Write a signed evidence bundle (BagIt 1.0 zip) of all messages, or of the messages a search returns.
      --investigator, --organisation and --case-reference go into bag-info.txt and the report (default: the
      values in case.json). --mbox adds data/messages.mbox (mboxrd). --tsa requests an RFC 3161 time-stamp
      of the tag manifest from that time-stamping authority. An existing file is never overwritten.
  key export-public --out FILE.pem [--json]
      Write the public key that signs your bundles (SubjectPublicKeyInfo PEM) and print its fingerprint.
  verify FILE.zip [--json] [--trusted-key PUBLIC_KEY.pem | --trusted-fingerprint SHA256]
      Check a bundle's files, manifests, signature, time-stamp and custody log, and report who signed it: your
      own Mailcase key, the trusted key given (any other signer makes the bundle invalid), or "not checked" when
      neither applies. A valid signature alone only shows the bundle is unchanged since someone signed it.
      Exit status 0 when valid, 1 when not.
  verify-case --case DIR [--json]
      Re-hash every stored message against its name and the custody log, and check the log's hash chain.
  import --case DIR [--format auto|eml|mbox|mboxo|mboxrd|mboxcl2] [--json] PATH...
      Import .eml files, mbox files, maildirs and folders of them (recursively) into the case (created if
      missing), then parse and index them. Each message is stored unchanged with its source file, that file's
      SHA-256 and its byte range in the custody log. --format forces the format of every file outside a
      maildir: mboxrd unquotes every ">From " level once, mboxo only ">From ", mboxcl2 takes each message's
      Content-Length octets. auto (default) reads a file that starts with "From " as mbox, any other as one message.
      Ctrl-C stops after the message being read, with every message read so far stored and logged.
  rebuild --case DIR [--json]
      Delete everything in the case's derived/ folder and build it again from the evidence: records, search
      index, and the saved rules' results.
  web [--port N]
      Serve the app in the browser review mode on 127.0.0.1 and print its URL with the access token.
  demo-server [--port N] [--messages N] [--seed N] [--json]
      Serve a generated demo mailbox over POP3 with implicit TLS on 127.0.0.1 (default: a free port, 2000
      messages, seed 1), with a certificate and password made at start; 3 more messages arrive at each later
      login. --json prints one line {"host","port","security","user","password","fingerprint"} once it listens.
      Runs until Ctrl-C.

Options:
  --port N               POP3 port (default 995 for tls, 110 for starttls and none)
  --security MODE        tls (implicit TLS, default), starttls, or none (plain text; the password is sent unencrypted)
  --trust-fingerprint F  SHA-256 fingerprint of a server certificate to accept instead of chain verification
  --auth METHOD          auto (default: SASL PLAIN, else LOGIN, else USER/PASS, as the server offers) or apop
  --json                 Print machine-readable JSON on standard output

The password is read from the MAILCASE_PASSWORD environment variable, or asked for on the terminal.
It is never accepted as an argument. The signing key's passphrase is read from MAILCASE_KEY_PASSPHRASE, or
asked for on the terminal; a key stored without one is encrypted with it on first use.

Exit status: 0 success, 1 verification found problems or an import left something out or was cancelled, 2 error.`;
