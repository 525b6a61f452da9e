import { SeededRandom } from './random';

const EVENT_TYPES = [
  'page_view',
  'page_view',
  'page_view',
  'click',
  'add_to_cart',
  'checkout',
  'signup',
] as const;
const PATHS = [
  '/',
  '/pricing',
  '/docs/getting-started',
  '/blog/serverless-data-lake',
  '/app/dashboard',
  '/cart',
];
const CITIES = [
  ['Tokyo', 'JP', 35.6762, 139.6503],
  ['Osaka', 'JP', 34.6937, 135.5023],
  ['Berlin', 'DE', 52.52, 13.405],
  ['São Paulo', 'BR', -23.5505, -46.6333],
  ['Austin', 'US', 30.2672, -97.7431],
] as const;
const SOURCES = ['google', 'twitter', 'newsletter', 'direct', 'partner'];
const BROWSERS = [
  ['Safari', '17.1', 'iOS', '17.1.2', 'mobile'],
  ['Chrome', '120.0.6099', 'Android', '14', 'mobile'],
  ['Chrome', '120.0.6099', 'macOS', '14.2', 'desktop'],
  ['Firefox', '121.0', 'Windows', '11', 'desktop'],
] as const;

const PLANS = ['free', 'starter', 'pro', 'enterprise'];
const COMPANIES = ['Acme KK', 'Globex GmbH', 'Initech LLC', 'Umbrella Ltda'];
const WIDTHS = [390, 1440, 1920];
const MEDIUMS = ['cpc', 'email', 'social'];
const LOCALES = ['ja-JP', 'en-US', 'de-DE', 'pt-BR'];
const CURRENCIES = ['JPY', 'USD', 'EUR'];
const VARIANTS = ['a', 'b'];

export interface ClickstreamOptions {
  readonly seed: number;
  /** Time of the first event. */
  readonly start: number;
  /** Events are spread evenly, this many per day. */
  readonly eventsPerDay: number;
}

export const CLICKSTREAM_DEFAULTS: ClickstreamOptions = {
  seed: 42,
  start: Date.UTC(2026, 10, 20),
  eventsPerDay: 100_000,
};

/** Every value of one event, drawn from the index's random sequence in one fixed order. */
interface EventDraw {
  readonly type: (typeof EVENT_TYPES)[number];
  readonly city: (typeof CITIES)[number];
  readonly browser: (typeof BROWSERS)[number];
  readonly eventId: string;
  readonly eventTime: string;
  readonly anonymousId: string;
  readonly userId: number;
  readonly plan: string;
  readonly emailVerified: boolean;
  readonly company: string;
  readonly meters: number;
  readonly path: string;
  readonly referrer: string | null;
  readonly width: number;
  readonly source: string;
  readonly medium: string;
  readonly locale: string;
  readonly value: number;
  readonly currency: string;
  readonly item: { readonly sku: string; readonly qty: number } | undefined;
  readonly experiment: string;
  readonly variant: string;
}

function drawEvent(index: number, options: ClickstreamOptions): EventDraw {
  const random = new SeededRandom(options.seed * 1_000_003 + index);
  const type = random.pick(EVENT_TYPES);
  const city = random.pick(CITIES);
  const browser = random.pick(BROWSERS);
  const time = options.start + Math.floor((index * 86_400_000) / options.eventsPerDay) + random.int(0, 999);
  return {
    type,
    city,
    browser,
    eventId: `evt_${index.toString(36).padStart(8, '0')}_${random.hex(6)}`,
    eventTime: new Date(time).toISOString(),
    anonymousId: random.hex(16),
    userId: random.int(1, 5_000_000),
    plan: random.pick(PLANS),
    emailVerified: random.chance(0.8),
    company: random.pick(COMPANIES),
    meters: random.int(5, 100),
    path: random.pick(PATHS),
    referrer: random.chance(0.5) ? `https://www.${random.pick(SOURCES)}.com/` : null,
    width: random.pick(WIDTHS),
    source: random.pick(SOURCES),
    medium: random.pick(MEDIUMS),
    locale: random.pick(LOCALES),
    value: Math.round(random.next() * 100_000) / 100,
    currency: random.pick(CURRENCIES),
    item:
      type === 'add_to_cart' || type === 'checkout'
        ? { sku: `SKU-${random.int(100, 999)}`, qty: random.int(1, 3) }
        : undefined,
    experiment: `exp_${random.int(1, 20)}`,
    variant: random.pick(VARIANTS),
  };
}

/**
 * One clickstream event as a product would send it to Firehose: nested user, context and
 * properties objects up to eight levels deep, about 750 bytes of JSON. Deterministic for a given
 * index and options.
 */
export function clickstreamEvent(
  index: number,
  options: ClickstreamOptions = CLICKSTREAM_DEFAULTS,
): Record<string, unknown> {
  const d = drawEvent(index, options);
  const [city, country, lat, lon] = d.city;
  const [browser, browserVersion, os, osVersion, deviceType] = d.browser;
  return {
    event_id: d.eventId,
    event_type: d.type,
    event_time: d.eventTime,
    anonymousId: d.anonymousId,
    user: {
      id: d.userId,
      traits: {
        plan: d.plan,
        emailVerified: d.emailVerified,
        company: {
          name: d.company,
          address: { city, country, geo: { lat, lon, accuracy: { horizontal: { meters: d.meters } } } },
        },
      },
    },
    context: {
      page: { path: d.path, referrer: d.referrer },
      userAgent: {
        browser: { name: browser, version: browserVersion },
        os: { name: os, version: osVersion },
      },
      device: { type: deviceType, width: d.width },
      campaign: { source: d.source, medium: d.medium },
      locale: d.locale,
    },
    properties: {
      value: d.value,
      currency: d.currency,
      items: d.item ? [{ ...d.item }] : [],
      experiment: { id: d.experiment, variant: { name: d.variant } },
    },
  };
}

/**
 * Serialises an event; every tenth carries an order id beyond 2^53, which JSON.parse would round.
 * The text is JSON.stringify(clickstreamEvent(...)) written out directly (the tests hold it to
 * that), which takes the generator from most of the local run's first thread to a small part:
 * every drawn string is plain text needing no escapes.
 */
export function clickstreamEventJson(
  index: number,
  options: ClickstreamOptions = CLICKSTREAM_DEFAULTS,
): string {
  const d = drawEvent(index, options);
  const [city, country, lat, lon] = d.city;
  const [browser, browserVersion, os, osVersion, deviceType] = d.browser;
  const referrer = d.referrer === null ? 'null' : `"${d.referrer}"`;
  const items = d.item ? `[{"sku":"${d.item.sku}","qty":${d.item.qty}}]` : '[]';
  const orderId = index % 10 === 3 ? `,"order_id":${9_007_199_254_740_993n + BigInt(index)}` : '';
  return (
    `{"event_id":"${d.eventId}","event_type":"${d.type}","event_time":"${d.eventTime}","anonymousId":"${d.anonymousId}",` +
    `"user":{"id":${d.userId},"traits":{"plan":"${d.plan}","emailVerified":${d.emailVerified},"company":{"name":"${d.company}",` +
    `"address":{"city":"${city}","country":"${country}","geo":{"lat":${lat},"lon":${lon},"accuracy":{"horizontal":{"meters":${d.meters}}}}}}}},` +
    `"context":{"page":{"path":"${d.path}","referrer":${referrer}},"userAgent":{"browser":{"name":"${browser}","version":"${browserVersion}"},` +
    `"os":{"name":"${os}","version":"${osVersion}"}},"device":{"type":"${deviceType}","width":${d.width}},` +
    `"campaign":{"source":"${d.source}","medium":"${d.medium}"},"locale":"${d.locale}"},` +
    `"properties":{"value":${d.value},"currency":"${d.currency}","items":${items},` +
    `"experiment":{"id":"${d.experiment}","variant":{"name":"${d.variant}"}}}${orderId}}`
  );
}
