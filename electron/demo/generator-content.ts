// Everyday business text of the demo mailbox: topics, sentences, greetings, signatures and the German, French,
// Russian and Japanese letters. None of it contains a code word, a competitor or a long digit run, so every
// hit a detector finds in generated mail comes from a planted item (the unit test checks these pools).

/** One thread topic: its subject and the sentences a message about it draws from. */
export interface Topic {
  subject: string;
  sentences: string[];
}

/**
 * Topics of ordinary mail. Placeholders: {supplier} a supplier's company name, {po} a purchase order number,
 * {day} a weekday, {amount} a sum of money, {qty} a quantity.
 */
export const TOPICS: Topic[] = [
  {
    subject: 'Purchase order {po}',
    sentences: [
      'Please find the purchase order for the stainless flanges below.',
      'We need the goods at the Hamburg warehouse by {day} at the latest.',
      'The order covers {qty} units at the price we agreed last month.',
      'Could you confirm the delivery date and send the order confirmation?',
      'Payment terms are thirty days net as usual.',
    ],
  },
  {
    subject: 'Delivery schedule for next week',
    sentences: [
      'The truck from {supplier} is booked for {day} morning.',
      'Receiving can take the pallets between eight and noon.',
      'Please make sure the packing lists are attached to each pallet.',
      'If the slot does not work for you, let me know and I will move it.',
      'The forklift in bay three is out of service until the end of the week.',
    ],
  },
  {
    subject: 'Invoice {po} query',
    sentences: [
      'The invoice shows {amount}, but the order was for a smaller quantity.',
      'Could you check the unit price on line two?',
      'Accounts payable will hold the payment until we have a corrected invoice.',
      'The freight charge also looks higher than the quote.',
      'Thanks for sorting this out quickly.',
    ],
  },
  {
    subject: 'Quarterly supplier review',
    sentences: [
      'The quarterly review with {supplier} is on {day} afternoon.',
      'I have put together the on-time delivery figures for the last three months.',
      'Quality returns went down, which is good news.',
      'We should also talk about the lead times for the optical parts.',
      'Please add any points you want on the agenda.',
    ],
  },
  {
    subject: 'Team meeting notes',
    sentences: [
      'Here are the notes from this morning.',
      'Anna will follow up on the open customs paperwork.',
      'Marco takes over the spare parts catalogue from next month.',
      'We agreed to move the weekly meeting to {day}.',
      'Let me know if I missed anything.',
    ],
  },
  {
    subject: 'Customs documents for shipment {po}',
    sentences: [
      'The customs broker is asking for the certificate of origin.',
      'Can you send a scanned copy of the commercial invoice?',
      'The shipment is waiting at the port until the papers are complete.',
      'Storage fees start after three days, so this is a bit urgent.',
      'I have copied the broker on this mail.',
    ],
  },
  {
    subject: 'Price update for {supplier}',
    sentences: [
      '{supplier} announced a price increase for raw material from next quarter.',
      'They quote a rise of about four percent on the standard range.',
      'I think we can negotiate that down if we commit to larger volumes.',
      'Please check what that means for the budget of your department.',
      'I will prepare a short comparison before the call.',
    ],
  },
  {
    subject: 'Travel request',
    sentences: [
      'I would like to visit the plant of {supplier} in the second half of the month.',
      'The trip would take two days including travel.',
      'Could you approve the request in the travel portal?',
      'I will book the cheapest train connection available.',
      'The visit report will follow after the trip.',
    ],
  },
  {
    subject: 'Laptop replacement',
    sentences: [
      'Your new laptop is ready for pickup at the service desk.',
      'Please bring the old device so we can wipe it.',
      'The handover takes about fifteen minutes.',
      'Remember to save your local files to the shared drive first.',
      'Opening hours are from nine to four.',
    ],
  },
  {
    subject: 'Sample parts for testing',
    sentences: [
      'The sample parts arrived this morning in good condition.',
      'The lab will run the first tests on {day}.',
      'We expect the results within two weeks.',
      'If the tests pass, we can place the first series order.',
      'Thank you for the quick turnaround.',
    ],
  },
  {
    subject: 'Warehouse inventory count',
    sentences: [
      'The yearly inventory count is planned for the last weekend of the month.',
      'All goods receipts must be booked by {day} evening.',
      'Please do not schedule deliveries for that weekend.',
      'Each team gets a list of shelves to count.',
      'Coffee and lunch will be provided.',
    ],
  },
  {
    subject: 'Late delivery of order {po}',
    sentences: [
      'Order {po} is now two weeks late.',
      'Production is asking me every day when the parts will arrive.',
      'Please give me a firm delivery date by {day}.',
      'If the delay continues, we will have to look at a second source.',
      'I would prefer to solve this together.',
    ],
  },
  {
    subject: 'Contract renewal',
    sentences: [
      'The framework agreement with {supplier} runs out at the end of the year.',
      'Legal has sent back the draft with a few comments.',
      'Most changes concern the liability clause and the notice period.',
      'Could we meet on {day} to go through the open points?',
      'I would like to send the final version before the holidays.',
    ],
  },
  {
    subject: 'Office move',
    sentences: [
      'The purchasing team moves to the second floor next month.',
      'Please pack your desk into the boxes provided by facilities.',
      'The movers come on {day} after lunch.',
      'Phones and network points will be ready on the same day.',
      'Label every box with your name and new room number.',
    ],
  },
  {
    subject: 'Training on the new ordering system',
    sentences: [
      'The training on the new ordering system takes place on {day}.',
      'It lasts about two hours and covers approvals and goods receipts.',
      'Please register through the learning portal.',
      'The old system stays read-only until the end of the quarter.',
      'Questions can go to the service desk at any time.',
    ],
  },
  {
    subject: 'Packaging change',
    sentences: [
      '{supplier} wants to switch to recyclable packaging.',
      'The new boxes are slightly larger than the current ones.',
      'That changes how many units fit on one pallet.',
      'Could logistics check the impact on storage space?',
      'They would like an answer by {day}.',
    ],
  },
];

/** Sentences that fit any topic. */
export const GENERAL_SENTENCES = [
  'Thanks for the quick reply.',
  'Let me know if you need anything else from my side.',
  'I will be out of the office on Friday afternoon.',
  'Sorry for the late answer, the week has been busy.',
  'I have attached the latest version for reference.',
  'Happy to discuss this on a short call.',
  'Please keep me posted.',
  'I checked with the team and we are fine with the proposal.',
  'We can revisit this after the month-end closing.',
  'Good point, I had not thought of that.',
];

export const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];

export const GREETINGS_EN = ['Hi {first},', 'Hello {first},', 'Dear {first},', '{first},', 'Good morning {first},'];

export const CLOSINGS_EN = ['Best regards,', 'Kind regards,', 'Thanks,', 'Regards,', 'Cheers,'];

/** Job titles for signatures, by address. Addresses not listed sign with their name and company only. */
export const JOB_TITLES: Record<string, string> = {
  'daniel.keller@halvorsen-instruments.example': 'Senior Purchasing Manager',
  'anna.lindberg@halvorsen-instruments.example': 'Logistics Coordinator',
  'marco.bianchi@halvorsen-instruments.example': 'Buyer, Spare Parts',
  'sofia.petrova@halvorsen-instruments.example': 'Head of Quality',
  'james.whitfield@halvorsen-instruments.example': 'Finance Controller',
  'yuki.tanaka@halvorsen-instruments.example': 'Product Engineer',
  'claire.dubois@halvorsen-instruments.example': 'Legal Counsel',
};

/** Office phone numbers for signatures; each has at most 12 digits, fewer than any card number. */
export const PHONE_NUMBERS = ['+49 40 5550 1234', '+49 40 5550 1871', '+44 20 7946 0958', '+47 22 555 019', '+33 1 5550 4412'];

/** A letter of a foreign supplier: its language, subject, greeting, body lines and closing lines. */
export interface ForeignLetter {
  language: 'de' | 'fr' | 'ru' | 'ja';
  subject: string;
  greeting: string;
  body: string[];
  closing: string[];
}

export const GERMAN_LETTERS: ForeignLetter[] = [
  {
    language: 'de',
    subject: 'Auftragsbestätigung Edelstahlflansche',
    greeting: 'Sehr geehrter Herr Keller,',
    body: [
      'anbei erhalten Sie die Auftragsbestätigung für die Lieferung der Edelstahlflansche.',
      'Die Ware wird voraussichtlich nächste Woche verschickt.',
      'Bitte prüfen Sie die Lieferadresse und geben Sie uns kurz Bescheid.',
    ],
    closing: ['Mit freundlichen Grüßen', 'Jürgen Weiß', 'Osterberg Metalle'],
  },
  {
    language: 'de',
    subject: 'Änderung der Lieferzeiten',
    greeting: 'Sehr geehrter Herr Keller,',
    body: [
      'wegen hoher Nachfrage verlängern sich unsere Lieferzeiten um etwa zwei Wochen.',
      'Wir bitten um Ihr Verständnis und melden uns, sobald sich die Lage ändert.',
      'Für Rückfragen stehe ich Ihnen gerne zur Verfügung.',
    ],
    closing: ['Mit freundlichen Grüßen', 'Jürgen Weiß', 'Osterberg Metalle'],
  },
  {
    language: 'fr',
    subject: 'Devis révisé pour les pièces usinées',
    greeting: 'Bonjour Monsieur Keller,',
    body: [
      'Veuillez trouver ci-dessous notre devis révisé pour les pièces usinées.',
      'Les délais de livraison restent inchangés.',
      'Nous restons à votre disposition pour toute question.',
    ],
    closing: ['Cordialement,', 'Hélène Moreau', 'Osterberg Metalle'],
  },
];

export const RUSSIAN_LETTERS: ForeignLetter[] = [
  {
    language: 'ru',
    subject: 'Поставка оптических линз',
    greeting: 'Добрый день, Даниэль!',
    body: [
      'Направляем вам обновлённый прайс-лист на оптические компоненты.',
      'Просим подтвердить сроки поставки до конца недели.',
      'Если у вас есть вопросы, пожалуйста, напишите мне.',
    ],
    closing: ['С уважением,', 'Дмитрий Смирнов', 'Волга Оптикс'],
  },
  {
    language: 'ru',
    subject: 'Счёт на оплату',
    greeting: 'Здравствуйте, Даниэль!',
    body: ['Высылаем счёт на оплату последней партии линз.', 'Оплата ожидается в течение месяца.', 'Спасибо за сотрудничество.'],
    closing: ['С уважением,', 'Дмитрий Смирнов'],
  },
];

export const JAPANESE_LETTERS: ForeignLetter[] = [
  {
    language: 'ja',
    subject: '見積書の件',
    greeting: 'ケラー様',
    body: [
      'いつもお世話になっております。',
      '見積書を添付いたしますので、ご確認ください。',
      'ご不明な点がございましたら、お気軽にお問い合わせください。',
    ],
    closing: ['よろしくお願いいたします。', '株式会社サクラ精密 営業部', '佐藤 健'],
  },
  {
    language: 'ja',
    subject: '部品の出荷予定',
    greeting: 'ケラー様',
    body: ['いつもお世話になっております。', '納期について改めてご連絡いたします。'],
    closing: ['よろしくお願いいたします。', '佐藤 健'],
  },
];

/** Short notes in UTF-8 with characters outside Latin-1, such as the euro sign and typographic quotes. */
export const UTF8_SENTENCES = [
  'The revised quote comes to €4,870 including freight – a bit more than we hoped.',
  'Grüße from the trade fair; the stand looked great.',
  'The supplier calls the new range “premium”, but the specs are the same as before.',
  'Naïve question: do we still need the paper copy of the delivery note?',
];

/** Lines of ordinary document attachments (PDF, DOCX) that carry no planted item. */
export const DOCUMENT_LINES = [
  'Delivery note',
  'Halvorsen Instruments, Hamburg warehouse',
  'Goods received in good condition.',
  'Items: stainless flanges, sealing rings, optical mounts',
  'Signed by the receiving clerk',
  'Meeting minutes',
  'Participants: purchasing, logistics, quality',
  'Decision: keep the current supplier for the next quarter.',
  'Next review in three months.',
  'Specification sheet',
  'Material: stainless steel, grade A4',
  'Surface: brushed, free of burrs',
];

/** Item names for spreadsheet rows; each row starts with a name so no two numbers of two rows run together. */
export const SPREADSHEET_ITEMS = ['Flange ring', 'Sealing ring', 'Optical mount', 'Bearing sleeve', 'Cable gland', 'Mounting plate'];

/** Words that appear in attachment file names of ordinary mail. */
export const ATTACHMENT_NAMES = {
  pdf: ['delivery-note', 'meeting-minutes', 'specification', 'order-confirmation'],
  docx: ['meeting-notes', 'visit-report', 'draft-agreement', 'agenda'],
  xlsx: ['price-list', 'stock-levels', 'order-overview', 'delivery-plan'],
  zip: ['shipping-documents', 'photos-and-reports', 'customs-papers'],
};
