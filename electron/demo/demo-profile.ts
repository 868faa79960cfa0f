// The fictional company, suspect and correspondents of the demo mailbox, shared by the generator, the demo rule
// pack and the tests that check rule hits against the generator's ground truth.
// Every domain uses a reserved top-level domain (.example or .test, RFC 2606), so no demo address is real.

/** A person who writes to or receives mail from the suspect. */
export interface DemoPerson {
  name: string;
  address: string;
}

/** A look-alike of a competitor domain and the trick it uses. */
export interface DemoLookalike {
  /** Competitor domain the look-alike imitates. */
  of: string;
  /** The domain as written in headers; confusable Unicode forms are written as punycode. */
  ascii: string;
  /** The domain in Unicode; equal to `ascii` unless the look-alike uses confusable characters. */
  unicode: string;
  technique: 'edit-distance-1' | 'swapped-letters' | 'digit-for-letter' | 'confusable-unicode' | 'other-tld';
}

/** A competitor with its domain, its company name and the people the generator writes as. */
export interface DemoCompetitor {
  name: string;
  domain: string;
  people: DemoPerson[];
}

/** A supplier of the suspect's company. */
export interface DemoSupplier {
  name: string;
  domain: string;
  people: DemoPerson[];
}

/** The whole fictional setting of the demo mailbox. */
export interface DemoProfile {
  company: { name: string; domain: string };
  suspect: DemoPerson & {
    /** The suspect's own personal webmail address; it contains his name. */
    personalAddress: string;
    /** Words of the suspect's name, lower case, as a detector looks for them in an address. */
    nameParts: string[];
  };
  colleagues: DemoPerson[];
  suppliers: DemoSupplier[];
  /** Personal webmail domains (the investigator's editable list in the demo rule pack). */
  webmailDomains: string[];
  /** Private contacts of the suspect on webmail domains; none of them carries the suspect's name. */
  webmailContacts: DemoPerson[];
  competitors: DemoCompetitor[];
  lookalikes: DemoLookalike[];
  /** Internal code words and phrases that must never leave the company by mail. */
  codewords: string[];
  /** Words that, near a code word, raise the confidence of a keyword hit. */
  supportingKeywords: string[];
}

/** Profile of the demo mailbox: the suspect Daniel Keller at Halvorsen Instruments and everyone he mails with. */
export const DEMO_PROFILE: DemoProfile = {
  company: { name: 'Halvorsen Instruments', domain: 'halvorsen-instruments.example' },
  suspect: {
    name: 'Daniel Keller',
    address: 'daniel.keller@halvorsen-instruments.example',
    personalAddress: 'daniel.keller.home@freemail.example',
    nameParts: ['daniel', 'keller'],
  },
  colleagues: [
    { name: 'Anna Lindberg', address: 'anna.lindberg@halvorsen-instruments.example' },
    { name: 'Marco Bianchi', address: 'marco.bianchi@halvorsen-instruments.example' },
    { name: 'Sofia Petrova', address: 'sofia.petrova@halvorsen-instruments.example' },
    { name: 'James Whitfield', address: 'james.whitfield@halvorsen-instruments.example' },
    { name: 'Yuki Tanaka', address: 'yuki.tanaka@halvorsen-instruments.example' },
    { name: 'Claire Dubois', address: 'claire.dubois@halvorsen-instruments.example' },
    { name: 'Purchasing Desk', address: 'purchasing@halvorsen-instruments.example' },
    { name: 'IT Service Desk', address: 'it-help@halvorsen-instruments.example' },
  ],
  suppliers: [
    {
      name: 'Brightline Logistics',
      domain: 'brightline-logistics.example',
      people: [
        { name: 'Tom Hughes', address: 'tom.hughes@brightline-logistics.example' },
        { name: 'Brightline Dispatch', address: 'dispatch@brightline-logistics.example' },
      ],
    },
    {
      name: 'Kappa Components',
      domain: 'kappa-components.example',
      people: [
        { name: 'Ingrid Olsen', address: 'ingrid.olsen@kappa-components.example' },
        { name: 'Kappa Sales Team', address: 'sales@kappa-components.example' },
      ],
    },
    {
      name: 'Osterberg Metalle',
      domain: 'osterberg-metalle.example',
      people: [
        { name: 'Jürgen Weiß', address: 'j.weiss@osterberg-metalle.example' },
        { name: 'Hélène Moreau', address: 'h.moreau@osterberg-metalle.example' },
      ],
    },
    {
      name: 'Volga Optics',
      domain: 'volga-optics.example',
      people: [{ name: 'Дмитрий Смирнов', address: 'd.smirnov@volga-optics.example' }],
    },
    {
      name: 'Sakura Precision',
      domain: 'sakura-precision.example',
      people: [{ name: '佐藤 健', address: 'k.sato@sakura-precision.example' }],
    },
  ],
  webmailDomains: ['freemail.example', 'postbox.example', 'inboxmail.example'],
  webmailContacts: [
    { name: 'Mike Ferris', address: 'mike.ferris77@postbox.example' },
    { name: 'Laura Keane', address: 'laura.keane@inboxmail.example' },
    { name: 'Pete Novak', address: 'petenovak@freemail.example' },
  ],
  competitors: [
    {
      name: 'Norwind Technologies',
      domain: 'norwind.example',
      people: [
        { name: 'Erik Sandvik', address: 'erik.sandvik@norwind.example' },
        { name: 'Talent Team', address: 'careers@norwind.example' },
      ],
    },
    {
      name: 'Sableridge Systems',
      domain: 'sableridge.example',
      people: [
        { name: 'Rachel Ortiz', address: 'rachel.ortiz@sableridge.example' },
        { name: 'Procurement Desk', address: 'procurement@sableridge.example' },
      ],
    },
  ],
  lookalikes: [
    { of: 'norwind.example', ascii: 'norvind.example', unicode: 'norvind.example', technique: 'edit-distance-1' },
    { of: 'norwind.example', ascii: 'nowrind.example', unicode: 'nowrind.example', technique: 'swapped-letters' },
    { of: 'norwind.example', ascii: 'n0rwind.example', unicode: 'n0rwind.example', technique: 'digit-for-letter' },
    // The second letter is U+043E CYRILLIC SMALL LETTER O.
    { of: 'norwind.example', ascii: 'xn--nrwind-wqf.example', unicode: 'n\u043erwind.example', technique: 'confusable-unicode' },
    { of: 'norwind.example', ascii: 'norwind.test', unicode: 'norwind.test', technique: 'other-tld' },
    { of: 'sableridge.example', ascii: 'sableridg.example', unicode: 'sableridg.example', technique: 'edit-distance-1' },
    { of: 'sableridge.example', ascii: 'sab1eridge.example', unicode: 'sab1eridge.example', technique: 'digit-for-letter' },
    { of: 'sableridge.example', ascii: 'sableridge.test', unicode: 'sableridge.test', technique: 'other-tld' },
  ],
  codewords: ['Project Falcon', 'Copper Lantern', 'Bluebird', 'Tidewater'],
  supportingKeywords: ['confidential', 'internal only', 'do not forward', 'pricing', 'roadmap'],
};
