"""Static description of the demo shop the generator simulates: channels, pages, devices, countries."""

from __future__ import annotations

from dataclasses import dataclass

SITE_HOST = "shop.example.com"


@dataclass(frozen=True)
class TrafficOption:
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None
    referrer: str | None


@dataclass(frozen=True)
class Channel:
    name: str
    share: float
    purchase_multiplier: float
    options: tuple[TrafficOption, ...]


def _opt(source: str | None, medium: str | None, campaign: str | None, referrer: str | None) -> TrafficOption:
    return TrafficOption(source, medium, campaign, referrer)


CHANNELS: tuple[Channel, ...] = (
    Channel("Direct", 0.22, 1.2, (_opt(None, None, None, None),)),
    Channel(
        "Organic Search",
        0.27,
        1.0,
        (
            _opt(None, None, None, "https://www.google.com/"),
            _opt(None, None, None, "https://www.bing.com/"),
            _opt(None, None, None, "https://duckduckgo.com/"),
        ),
    ),
    Channel(
        "Paid Search",
        0.12,
        1.3,
        (
            _opt("google", "cpc", "brand_search", "https://www.google.com/"),
            _opt("google", "cpc", "generic_search", "https://www.google.com/"),
            _opt("bing", "cpc", "generic_search", "https://www.bing.com/"),
        ),
    ),
    Channel(
        "Paid Social",
        0.08,
        0.7,
        (
            _opt("facebook", "paid_social", "spring_sale", "https://m.facebook.com/"),
            _opt("instagram", "paid_social", "spring_sale", "https://l.instagram.com/"),
            _opt("tiktok", "cpc", "retargeting", None),
        ),
    ),
    Channel(
        "Organic Social",
        0.07,
        0.6,
        (
            _opt(None, None, None, "https://www.facebook.com/"),
            _opt(None, None, None, "https://www.linkedin.com/"),
            _opt("instagram", "social", "bio_link", None),
        ),
    ),
    Channel(
        "Email",
        0.08,
        1.6,
        (
            _opt("newsletter", "email", "weekly_digest", None),
            _opt("crm", "email", "abandoned_cart", None),
        ),
    ),
    Channel(
        "Referral",
        0.06,
        1.0,
        (
            _opt(None, None, None, "https://blog.partner-site.com/review"),
            _opt(None, None, None, "https://news.example.org/article"),
        ),
    ),
    Channel("Display", 0.04, 0.5, (_opt("gdn", "display", "prospecting", None),)),
    Channel("Affiliates", 0.03, 1.2, (_opt("dealfinder", "affiliate", "partner_program", None),)),
    Channel(
        "Video",
        0.03,
        0.6,
        (
            _opt("youtube", "video", "product_demo", "https://www.youtube.com/"),
            _opt(None, None, None, "https://www.youtube.com/"),
        ),
    ),
)

DEVICES: tuple[tuple[str, float], ...] = (("desktop", 0.50), ("mobile", 0.42), ("tablet", 0.08))

COUNTRIES: tuple[tuple[str, float], ...] = (
    ("US", 0.34),
    ("GB", 0.10),
    ("DE", 0.10),
    ("FR", 0.08),
    ("CA", 0.06),
    ("IN", 0.08),
    ("BR", 0.05),
    ("AU", 0.04),
    ("NL", 0.04),
    ("ES", 0.04),
    ("IT", 0.04),
    ("JP", 0.03),
)

# Two desktop then two mobile user agents (the generator picks by device).
USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/130.0 Mobile Safari/537.36",
)

BOT_USER_AGENTS: tuple[str, ...] = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.32.3",
)

# Page paths of ordinary page views (product pages are added per product).
CONTENT_PAGES: tuple[tuple[str, float], ...] = (
    ("/", 0.22),
    ("/products", 0.16),
    ("/pricing", 0.08),
    ("/faq", 0.06),
    ("/reviews", 0.07),
    ("/contact", 0.04),
    ("/blog/how-to-choose", 0.09),
    ("/blog/spring-lookbook", 0.08),
    ("/about", 0.05),
    ("/cart", 0.08),
    ("/account", 0.07),
)

PRODUCT_COUNT = 200
CTA_IDS: tuple[str, ...] = ("hero_shop_now", "free_shipping_banner", "sticky_buy_button")
FORM_IDS: tuple[str, ...] = ("contact", "quote_request", "newsletter_footer")
CURRENCIES: tuple[str, ...] = ("USD", "EUR", "GBP")

# Experiments: (experiment_id, variants, effect on the add_to_cart probability per variant).
EXPERIMENTS: tuple[tuple[str, tuple[str, ...], tuple[float, ...]], ...] = (
    ("exp_add_to_cart_button", ("control", "treatment"), (1.0, 1.25)),
    ("exp_hero_banner", ("control", "variant_b"), (1.0, 1.0)),
)

# Custom events: well-formed events whose names are in no catalogue seed, as every real tracking plan
# has. The warehouse keeps them as clean events (they extend sessions and count as activity, never as
# conversions) and lists them in marts.event_name_catalogue. Per event: the contract name (GA4 uses it
# too: GA4 names are snake_case), the share of non-bounce sessions that send it, the content page it
# happens on (or None), and the name other vendors' tracking plans would give it (Segment and
# Mixpanel: "Object Action" title case; Snowplow: its schema name).
CUSTOM_EVENTS: tuple[tuple[str, float, str | None, tuple[tuple[str, str], ...]], ...] = (
    (
        "faq_expand",
        0.05,
        "/faq",
        (("segment", "FAQ Expanded"), ("mixpanel", "FAQ Expand"), ("yandex_metrica", "goal_310400201")),
    ),
    (
        "chat_opened",
        0.03,
        None,
        (("segment", "Chat Opened"), ("mixpanel", "Chat Opened"), ("yandex_metrica", "goal_310400202")),
    ),
    (
        "product_compared",
        0.04,
        "/products",
        (
            ("segment", "Product Compared"),
            ("mixpanel", "Compare Products"),
            ("snowplow", "product_comparison"),
            # Metrica exports goal ids only: a goal without a yandex_metrica_goals row.
            ("yandex_metrica", "goal_310400203"),
        ),
    ),
)


def custom_event_names(vendor: str) -> list[tuple[str, str]]:
    """(contract name, vendor name) of every custom event the vendor names its own way."""
    return [(name, dict(names)[vendor]) for name, _, _, names in CUSTOM_EVENTS if vendor in dict(names)]
