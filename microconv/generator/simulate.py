"""Vectorized simulation of visitors, sessions and their events (numpy, no per-event Python loop).

The output is a set of numeric arrays, one entry per event; `writer.py` turns them into contract rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import catalog

EVENT_NAMES: tuple[str, ...] = (
    "page_view",
    "user_engagement",
    "scroll",
    "view_item",
    "add_to_cart",
    "remove_from_cart",
    "begin_checkout",
    "add_payment_info",
    "purchase",
    "add_to_wishlist",
    "recommendation_click",
    "cta_click",
    "newsletter_signup",
    "video_start",
    "video_progress",
    "video_complete",
    "form_start",
    "form_submit",
    "sign_up",
    "login",
    "ebook_download",
    "webinar_signup",
    "social_link_click",
    "comment",
    "share",
    "subscription",
    "experiment_exposure",
    *(name for name, _, _, _ in catalog.CUSTOM_EVENTS),
)
EVENT_CODE = {name: code for code, name in enumerate(EVENT_NAMES)}
# Average events per session of this simulation, used to size the session count.
EVENTS_PER_SESSION = 7.6
DAY_SECONDS = 86_400.0
PRE_ROLL_DAYS = 21


@dataclass(frozen=True)
class GeneratorConfig:
    events: int = 1_000_000
    days: int = 60
    seed: int = 42
    start_date: date = date(2026, 1, 1)
    dirty_share: float = 0.02
    late_share: float = 0.03
    anomaly_event: str = "cta_click"
    anomaly_factor: float = 0.1

    @property
    def anomaly_day(self) -> int:
        """Day index (from start_date) with an injected sharp drop of `anomaly_event`: the last
        complete day (the day before the last), where a nightly run's anomaly check looks."""
        return max(0, self.days - 2)


@dataclass
class Sessions:
    visitor: np.ndarray
    start: np.ndarray  # seconds since start_date 00:00 UTC
    duration: np.ndarray
    channel: np.ndarray
    option: np.ndarray  # index into the flattened traffic options
    propensity: np.ndarray
    is_first: np.ndarray
    second_device: np.ndarray


@dataclass
class Visitors:
    device: np.ndarray
    country: np.ndarray
    intent: np.ndarray
    variants: np.ndarray  # shape (visitors, experiments)
    is_bot: np.ndarray
    user_agent: np.ndarray
    has_second_device: np.ndarray


@dataclass
class EventArrays:
    """Column arrays, one entry per event; -1 / NaN mean 'absent'."""

    columns: dict[str, list[np.ndarray]] = field(default_factory=dict)

    INT_COLUMNS = (
        "session",
        "event_code",
        "page_code",
        "product",
        "cta",
        "form",
        "experiment",
        "variant",
        "order_number",
        "currency",
    )
    FLOAT_COLUMNS = ("offset", "value", "video_percent", "scroll_percent", "seconds_on_page")

    def add(self, event_name: str, session: np.ndarray, offset: np.ndarray, **values: np.ndarray) -> None:
        size = len(session)
        if size == 0:
            return
        data: dict[str, np.ndarray] = {
            "session": session.astype(np.int64),
            "event_code": np.full(size, EVENT_CODE[event_name], dtype=np.int64),
            "offset": offset.astype(np.float64),
        }
        for name, array in values.items():
            data[name] = np.asarray(array)
        for name in self.INT_COLUMNS:
            self.columns.setdefault(name, []).append(
                data.get(name, np.full(size, -1, dtype=np.int64)).astype(np.int64)
            )
        for name in self.FLOAT_COLUMNS:
            self.columns.setdefault(name, []).append(data.get(name, np.full(size, np.nan)).astype(np.float64))

    def concat(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate(parts) for name, parts in self.columns.items()}


def _choice(rng: np.random.Generator, weights: tuple[float, ...] | np.ndarray, size: int) -> np.ndarray:
    probabilities = np.asarray(weights, dtype=np.float64)
    return rng.choice(len(probabilities), size=size, p=probabilities / probabilities.sum())


def _expand(sessions: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Repeat each session `count` times; also return the 0-based index inside each repeat group."""
    counts = counts.astype(np.int64)
    repeated = np.repeat(sessions, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return repeated, np.arange(len(repeated)) - starts


def _window(rng: np.random.Generator, duration: np.ndarray, low: float, high: float) -> np.ndarray:
    """Offsets (seconds) uniformly placed between fractions low..high of each session's duration."""
    return duration * rng.uniform(low, high, size=len(duration))


def simulate_visitors(rng: np.random.Generator, count: int, config: GeneratorConfig) -> Visitors:
    device = _choice(rng, [weight for _, weight in catalog.DEVICES], count)
    bot_share = config.dirty_share * 0.1
    is_bot = rng.random(count) < bot_share
    user_agent = np.where(device == 0, rng.integers(0, 2, count), rng.integers(2, 4, count))
    variants = np.stack(
        [rng.integers(0, len(variants), count) for _, variants, _ in catalog.EXPERIMENTS], axis=1
    )
    intent = rng.lognormal(mean=0.0, sigma=0.6, size=count)
    return Visitors(
        device=device,
        country=_choice(rng, [weight for _, weight in catalog.COUNTRIES], count),
        intent=intent / intent.mean(),
        variants=variants,
        is_bot=is_bot,
        user_agent=user_agent,
        has_second_device=rng.random(count) < 0.15,
    )


def traffic_options() -> list[tuple[int, catalog.TrafficOption]]:
    """Every (channel index, option) pair, flattened in catalogue order."""
    return [(index, option) for index, channel in enumerate(catalog.CHANNELS) for option in channel.options]


def simulate_sessions(rng: np.random.Generator, visitors: Visitors, config: GeneratorConfig) -> Sessions:
    visitor_count = len(visitors.device)
    per_visitor = rng.geometric(0.55, size=visitor_count)
    visitor = np.repeat(np.arange(visitor_count), per_visitor)
    hour_weights = np.array(
        [
            1,
            0.6,
            0.4,
            0.3,
            0.3,
            0.4,
            0.7,
            1.1,
            1.5,
            1.8,
            2,
            2,
            2,
            2,
            1.9,
            1.9,
            2,
            2.1,
            2.3,
            2.6,
            2.7,
            2.4,
            1.9,
            1.4,
        ]
    )
    # Visitors arrive from PRE_ROLL_DAYS before the first day, so returning visits are already at their
    # steady level on day one (no ramp-up that would look like a trend); earlier sessions are dropped.
    first_start = (
        rng.integers(-PRE_ROLL_DAYS, config.days, visitor_count) * DAY_SECONDS
        + _choice(rng, hour_weights, visitor_count) * 3600.0
        + rng.uniform(0, 3600.0, visitor_count)
    )
    is_first = np.zeros(len(visitor), dtype=bool)
    first_index = np.cumsum(per_visitor) - per_visitor
    is_first[first_index] = True
    gaps = np.where(is_first, 0.0, 3600.0 + rng.exponential(4 * DAY_SECONDS, len(visitor)))
    cumulative = np.cumsum(gaps)
    start = first_start[visitor] + cumulative - np.repeat(cumulative[first_index], per_visitor)
    keep = (start >= 0) & (start < config.days * DAY_SECONDS)
    visitor, start, is_first = visitor[keep], start[keep], is_first[keep]
    size = len(visitor)

    channel = _choice(rng, [channel.share for channel in catalog.CHANNELS], size)
    option_counts = np.array([len(channel.options) for channel in catalog.CHANNELS])
    option_offsets = np.cumsum(option_counts) - option_counts
    option = option_offsets[channel] + (rng.random(size) * option_counts[channel]).astype(np.int64)
    multiplier = np.array([channel.purchase_multiplier for channel in catalog.CHANNELS])
    # A bounce is a single short page view: no micro-conversion can follow.
    is_bounce = rng.random(size) < 0.38 / np.sqrt(multiplier[channel])
    propensity = np.where(
        is_bounce, 0.0, visitors.intent[visitor] * multiplier[channel] * np.where(is_first, 1.0, 1.3)
    )
    duration = np.where(
        is_bounce, rng.uniform(1.0, 9.0, size), np.clip(rng.lognormal(np.log(200.0), 0.9, size), 5.0, 1680.0)
    )
    return Sessions(
        visitor=visitor,
        start=start,
        duration=duration,
        channel=channel,
        option=option,
        propensity=propensity,
        is_first=is_first,
        second_device=np.zeros(size, dtype=bool),
    )


def _pages(rng: np.random.Generator, size: int, product_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Page codes (index into CONTENT_PAGES, or -1 for a product page) and product numbers."""
    content = _choice(rng, [weight for _, weight in catalog.CONTENT_PAGES], size)
    is_product = rng.random(size) < product_share
    product = np.where(is_product, rng.integers(0, catalog.PRODUCT_COUNT, size), -1)
    return np.where(is_product, -1, content), product


def simulate_events(
    rng: np.random.Generator, visitors: Visitors, sessions: Sessions, config: GeneratorConfig
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Events of every session; returns the event columns and each visitor's sign-up time (or inf)."""
    out = EventArrays()
    n = len(sessions.visitor)
    ids = np.arange(n)
    duration = sessions.duration
    m = sessions.propensity
    uniform = rng.random

    def pick(probability: np.ndarray | float, among: np.ndarray | None = None) -> np.ndarray:
        chosen = uniform(n) < np.clip(probability, 0.0, 0.95)
        return chosen if among is None else chosen & among

    # Page views: the landing page at offset 0, then a few more.
    landing_page, landing_product = _pages(rng, n, 0.3)
    out.add("page_view", ids, np.zeros(n), page_code=landing_page, product=landing_product)
    extra_views = rng.poisson(2.0 * np.sqrt(m))  # none for bounces
    session, _ = _expand(ids, extra_views)
    page, product = _pages(rng, len(session), 0.35)
    out.add("page_view", session, _window(rng, duration[session], 0.02, 1.0), page_code=page, product=product)
    page_views = extra_views + 1

    engaged, _ = _expand(ids, rng.binomial(page_views, 0.55))
    out.add(
        "user_engagement",
        engaged,
        _window(rng, duration[engaged], 0.05, 1.0),
        seconds_on_page=np.round(rng.exponential(40.0, len(engaged))),
    )
    scrolled, _ = _expand(ids, rng.binomial(page_views, 0.6))
    out.add(
        "scroll",
        scrolled,
        _window(rng, duration[scrolled], 0.05, 1.0),
        scroll_percent=np.array([25.0, 50.0, 75.0, 90.0])[
            _choice(rng, (0.35, 0.3, 0.2, 0.15), len(scrolled))
        ],
    )

    # The e-commerce funnel.
    variant_effect = np.array(catalog.EXPERIMENTS[0][2])[visitors.variants[sessions.visitor, 0]]
    has_view = pick(0.42 * np.sqrt(m))
    viewed, _ = _expand(ids[has_view], 1 + rng.poisson(1.0, int(has_view.sum())))
    out.add(
        "view_item",
        viewed,
        _window(rng, duration[viewed], 0.05, 0.5),
        product=rng.integers(0, catalog.PRODUCT_COUNT, len(viewed)),
    )
    has_cart = pick(0.16 * m * variant_effect, has_view)
    carted, _ = _expand(ids[has_cart], 1 + rng.poisson(0.3, int(has_cart.sum())))
    out.add(
        "add_to_cart",
        carted,
        _window(rng, duration[carted], 0.5, 0.65),
        product=rng.integers(0, catalog.PRODUCT_COUNT, len(carted)),
        value=np.round(rng.lognormal(np.log(35.0), 0.5, len(carted)), 2),
        currency=np.zeros(len(carted)),
    )
    removed = ids[pick(0.15, has_cart)]
    out.add("remove_from_cart", removed, _window(rng, duration[removed], 0.65, 0.7))
    has_checkout = pick(0.5 * m**0.3, has_cart)
    out.add("begin_checkout", ids[has_checkout], _window(rng, duration[has_checkout], 0.7, 0.8))
    has_payment = pick(0.72, has_checkout)
    out.add("add_payment_info", ids[has_payment], _window(rng, duration[has_payment], 0.8, 0.9))
    has_purchase = pick(0.8, has_payment)
    bought = ids[has_purchase]
    out.add(
        "purchase",
        bought,
        _window(rng, duration[bought], 0.92, 1.0),
        value=np.round(rng.lognormal(np.log(70.0), 0.5, len(bought)), 2),
        currency=_choice(rng, (0.7, 0.2, 0.1), len(bought)),
        order_number=np.arange(len(bought)),
    )

    for name, probability, among in (
        ("add_to_wishlist", 0.06, has_view),
        ("recommendation_click", 0.10, has_view),
        ("ebook_download", 0.012, None),
        ("webinar_signup", 0.006, None),
        ("comment", 0.005, None),
        ("share", 0.012, None),
    ):
        chosen = ids[pick(probability * np.sqrt(m), among)]
        out.add(name, chosen, _window(rng, duration[chosen], 0.1, 1.0))

    session_day = (sessions.start // DAY_SECONDS).astype(np.int64)
    anomaly = np.where(session_day == config.anomaly_day, config.anomaly_factor, 1.0)
    cta_probability = 0.12 * np.sqrt(m) * (anomaly if config.anomaly_event == "cta_click" else 1.0)
    clicked = ids[pick(cta_probability)]
    out.add(
        "cta_click",
        clicked,
        _window(rng, duration[clicked], 0.05, 1.0),
        cta=rng.integers(0, len(catalog.CTA_IDS), len(clicked)),
    )
    newsletter = ids[pick(0.02 * np.sqrt(m))]
    out.add("newsletter_signup", newsletter, _window(rng, duration[newsletter], 0.2, 1.0))

    # Videos: start, progress at 25/50/75 and completion, each reached by fewer viewers.
    has_video = pick(0.10)
    level = np.where(has_video, _choice(rng, (0.15, 0.25, 0.18, 0.12, 0.30), n), -1)
    video_sessions = ids[has_video]
    video_start = rng.uniform(0.0, 0.5, n) * duration
    out.add("video_start", video_sessions, video_start[video_sessions])
    progressed, step = _expand(ids[level >= 1], np.minimum(level[level >= 1], 3))
    percent = np.array([25.0, 50.0, 75.0])[step]
    out.add(
        "video_progress",
        progressed,
        video_start[progressed] + (duration[progressed] - video_start[progressed]) * percent / 110.0,
        video_percent=percent,
    )
    completed = ids[level == 4]
    out.add(
        "video_complete",
        completed,
        video_start[completed] + (duration[completed] - video_start[completed]) * 0.95,
        video_percent=np.full(len(completed), 100.0),
    )

    has_form = pick(0.05 * np.sqrt(m))
    form = rng.integers(0, len(catalog.FORM_IDS), n)
    out.add("form_start", ids[has_form], _window(rng, duration[has_form], 0.3, 0.6), form=form[has_form])
    submitted = pick(0.45, has_form)
    out.add("form_submit", ids[submitted], _window(rng, duration[submitted], 0.6, 0.9), form=form[submitted])

    subscribed = ids[pick(0.003 * m)]
    out.add(
        "subscription",
        subscribed,
        _window(rng, duration[subscribed], 0.5, 1.0),
        value=rng.choice([9.99, 19.99], len(subscribed)),
        currency=np.zeros(len(subscribed)),
    )

    # Experiments are shown on the visitor's first session.
    first = ids[sessions.is_first]
    # A deliberately uninformative micro-conversion: one visitor in ten clicks a social link in their
    # first session, whatever their intent, so impact scoring has a true negative to find.
    social = first[uniform(len(first)) < 0.10]
    out.add("social_link_click", social, _window(rng, duration[social], 0.0, 0.5))
    for index in range(len(catalog.EXPERIMENTS)):
        out.add(
            "experiment_exposure",
            first,
            np.minimum(1.0, duration[first]),
            experiment=np.full(len(first), index),
            variant=visitors.variants[sessions.visitor[first], index],
        )

    # Identity: sign-ups (more likely right before a purchase), then logins in later sessions.
    signed_up = pick(0.025 * np.sqrt(m)) | pick(0.35, has_purchase)
    signup_offset = np.where(
        has_purchase, _window(rng, duration, 0.86, 0.9), _window(rng, duration, 0.3, 0.9)
    )
    out.add("sign_up", ids[signed_up], signup_offset[signed_up])
    signup_time = np.full(len(visitors.device), np.inf)
    np.minimum.at(
        signup_time, sessions.visitor[signed_up], sessions.start[signed_up] + signup_offset[signed_up]
    )
    returning_member = sessions.start > signup_time[sessions.visitor]
    logged_in = ids[pick(0.35, returning_member)]
    out.add("login", logged_in, _window(rng, duration[logged_in], 0.0, 0.05))
    sessions.second_device[:] = (
        returning_member & visitors.has_second_device[sessions.visitor] & (uniform(n) < 0.5)
    )

    # Custom events (names in no catalogue seed), drawn last so the events above stay as they were.
    content_pages = [path for path, _ in catalog.CONTENT_PAGES]
    for name, share, page, _ in catalog.CUSTOM_EVENTS:
        chosen = ids[pick(share, m > 0)]
        out.add(
            name,
            chosen,
            _window(rng, duration[chosen], 0.1, 1.0),
            page_code=np.full(len(chosen), content_pages.index(page) if page else -1),
        )
    return out.concat(), signup_time


def simulate(config: GeneratorConfig) -> tuple[Visitors, Sessions, dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(config.seed)
    target_sessions = max(1, int(config.events / EVENTS_PER_SESSION))
    # Visitors spread over the pre-roll too; scale so the kept sessions still match the target.
    scale = (config.days + PRE_ROLL_DAYS) / config.days
    visitors = simulate_visitors(rng, max(1, int(scale * target_sessions / 1.75)), config)
    sessions = simulate_sessions(rng, visitors, config)
    events, signup_time = simulate_events(rng, visitors, sessions, config)
    return visitors, sessions, events, signup_time
