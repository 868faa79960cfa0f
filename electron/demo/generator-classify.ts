// Derives the header-based planted items and near misses of a message from its addresses, so the ground truth
// lists every competitor, look-alike, display-name and webmail occurrence whichever scenario put it there.
import type { DemoProfile } from './demo-profile.js';
import type { MessagePlan, PlanAddress, PlanItem } from './generator-types.js';

/** Address headers in the order the domain detectors read them. */
const ADDRESS_HEADERS = ['from', 'to', 'cc', 'bcc', 'reply-to', 'return-path'] as const;

type AddressHeader = (typeof ADDRESS_HEADERS)[number];

const RECIPIENT_HEADERS: ReadonlySet<AddressHeader> = new Set(['to', 'cc', 'bcc']);

function addressesOf(plan: MessagePlan, header: AddressHeader): PlanAddress[] {
  switch (header) {
    case 'from':
      return [plan.from];
    case 'to':
      return plan.to;
    case 'cc':
      return plan.cc;
    case 'bcc':
      return plan.bcc;
    case 'reply-to':
      return plan.replyTo === null ? [] : [plan.replyTo];
    case 'return-path':
      return [{ name: '', address: plan.returnPath }];
  }
}

/** Returns the lower-case domain of an address. */
export function domainOf(address: string): string {
  return address.slice(address.lastIndexOf('@') + 1).toLowerCase();
}

/** Returns the first label of a domain, such as "norwind" for "norwind.example". */
function firstLabel(domain: string): string {
  return domain.split('.')[0] ?? domain;
}

/** Lists the header-based planted items and near misses of a plan. */
export function classifyAddresses(plan: MessagePlan, profile: DemoProfile): { planted: PlanItem[]; nearMisses: PlanItem[] } {
  const planted: PlanItem[] = [];
  const nearMisses: PlanItem[] = [];
  const isFromSuspect = plan.from.address.toLowerCase() === profile.suspect.address;

  for (const header of ADDRESS_HEADERS) {
    for (const entry of addressesOf(plan, header)) {
      const domain = domainOf(entry.address);
      const competitor = profile.competitors.find((c) => domain === c.domain || domain.endsWith(`.${c.domain}`));
      const lookalike = profile.lookalikes.find((l) => l.ascii === domain);

      if (competitor !== undefined) {
        planted.push({ kind: 'competitor-domain', value: domain, location: header });
      } else if (lookalike !== undefined) {
        planted.push({ kind: 'lookalike-domain', value: domain, location: header });
      } else {
        for (const other of profile.competitors) {
          if (domain.includes(firstLabel(other.domain))) {
            nearMisses.push({
              kind: 'competitor-domain',
              value: domain,
              location: header,
              why: `${domain} contains the name of ${other.domain} but is neither that domain nor a subdomain of it`,
            });
          }
        }
      }

      const name = entry.name.toLowerCase();
      const isNamedCompetitor = profile.competitors.some((c) => name.includes(c.name.toLowerCase()) || name.includes(c.domain));
      if (isNamedCompetitor && competitor === undefined) {
        planted.push({ kind: 'competitor-display-name', value: entry.name, location: header });
      }

      const isWebmail = profile.webmailDomains.includes(domain);
      if (isFromSuspect && RECIPIENT_HEADERS.has(header) && isWebmail) {
        planted.push({ kind: 'webmail', value: entry.address, location: header });
      }
      if (!isFromSuspect && header === 'from' && isWebmail) {
        nearMisses.push({ kind: 'webmail', value: entry.address, location: header, why: 'sent to the suspect from webmail, not by the suspect' });
      }

      const localPart = entry.address.slice(0, entry.address.lastIndexOf('@')).toLowerCase();
      const hasSuspectName = profile.suspect.nameParts.every((part) => localPart.includes(part));
      if (isFromSuspect && RECIPIENT_HEADERS.has(header) && hasSuspectName && domain !== profile.company.domain) {
        planted.push({ kind: 'forward-to-own-name', value: entry.address, location: header });
      }
    }
  }
  return { planted, nearMisses };
}
