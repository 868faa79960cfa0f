// Types of the demo mailbox that both processes use.

/** Reply of 'demo:start': how to reach the demo POP3 server and the case made for it. */
export interface DemoStartReply {
  host: string;
  port: number;
  security: 'tls';
  user: string;
  /** Random password of the demo mailbox, made when the server started. It is shown to the investigator and is never a real secret. */
  password: string;
  /** SHA-256 fingerprint of the demo server's certificate, colon-separated upper-case hex; the form pre-trusts it. */
  fingerprint: string;
  /** Absolute folder of the new demo case, which already contains the demo rule pack as its active rules. */
  caseDir: string;
}
