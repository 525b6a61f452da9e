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

/**
 * One clickstream event as a product would send it to Firehose: nested user, context and
 * properties objects up to eight levels deep, about 750 bytes of JSON. Deterministic for a given
 * index and options.
 */
export function clickstreamEvent(
  index: number,
  options: ClickstreamOptions = CLICKSTREAM_DEFAULTS,
): Record<string, unknown> {
  const random = new SeededRandom(options.seed * 1_000_003 + index);
  const type = random.pick(EVENT_TYPES);
  const [city, country, lat, lon] = random.pick(CITIES);
  const [browser, browserVersion, os, osVersion, deviceType] = random.pick(BROWSERS);
  const time = new Date(
    options.start + Math.floor((index * 86_400_000) / options.eventsPerDay) + random.int(0, 999),
  );
  const event: Record<string, unknown> = {
    event_id: `evt_${index.toString(36).padStart(8, '0')}_${random.hex(6)}`,
    event_type: type,
    event_time: time.toISOString(),
    anonymousId: random.hex(16),
    user: {
      id: random.int(1, 5_000_000),
      traits: {
        plan: random.pick(['free', 'starter', 'pro', 'enterprise']),
        emailVerified: random.chance(0.8),
        company: {
          name: random.pick(['Acme KK', 'Globex GmbH', 'Initech LLC', 'Umbrella Ltda']),
          address: {
            city,
            country,
            geo: { lat, lon, accuracy: { horizontal: { meters: random.int(5, 100) } } },
          },
        },
      },
    },
    context: {
      page: {
        path: random.pick(PATHS),
        referrer: random.chance(0.5) ? `https://www.${random.pick(SOURCES)}.com/` : null,
      },
      userAgent: {
        browser: { name: browser, version: browserVersion },
        os: { name: os, version: osVersion },
      },
      device: { type: deviceType, width: random.pick([390, 1440, 1920]) },
      campaign: { source: random.pick(SOURCES), medium: random.pick(['cpc', 'email', 'social']) },
      locale: random.pick(['ja-JP', 'en-US', 'de-DE', 'pt-BR']),
    },
    properties: {
      value: Math.round(random.next() * 100_000) / 100,
      currency: random.pick(['JPY', 'USD', 'EUR']),
      items:
        type === 'add_to_cart' || type === 'checkout'
          ? [{ sku: `SKU-${random.int(100, 999)}`, qty: random.int(1, 3) }]
          : [],
      experiment: { id: `exp_${random.int(1, 20)}`, variant: { name: random.pick(['a', 'b']) } },
    },
  };
  return event;
}

/** Serialises an event; every tenth carries an order id beyond 2^53, which JSON.parse would round. */
export function clickstreamEventJson(
  index: number,
  options: ClickstreamOptions = CLICKSTREAM_DEFAULTS,
): string {
  const json = JSON.stringify(clickstreamEvent(index, options));
  if (index % 10 !== 3) return json;
  return `${json.slice(0, -1)},"order_id":${9_007_199_254_740_993n + BigInt(index)}}`;
}
