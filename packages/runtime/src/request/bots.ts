/**
 * User agents whose page views are not exposures: search and social crawlers, link previews, uptime monitors,
 * headless browsers and performance audits. None of them is a person who could convert, so counting them would
 * only dilute the experiment. Replace it with the `bots` option (or `false` to count everyone).
 */
export const DEFAULT_BOT_PATTERN =
  /bot\b|bot\/|crawl|spider|slurp|mediapartners|facebookexternalhit|facebookcatalog|embedly|preview|whatsapp|headlesschrome|phantomjs|lighthouse|pagespeed|pingdom|uptime|monitor|feedfetcher|python-requests|go-http-client|curl\/|wget\//i;
