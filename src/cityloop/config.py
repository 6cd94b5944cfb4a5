"""Typed settings for CityLoop, read from the environment (prefix CITYLOOP_)."""

from __future__ import annotations

import contextlib
import os
import secrets
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parents[2]
# The default secret key of earlier releases, printed in their README: anyone can sign an admin token with it.
PUBLISHED_SECRET_KEY = "change-me-in-production-cityloop-dev-secret"


class Settings(BaseSettings):
    """Every setting CityLoop reads; the README table is generated from this class."""

    model_config = SettingsConfigDict(env_prefix="CITYLOOP_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means a SQLite file at var/cityloop.db. "
        "Example: postgresql+psycopg://user@127.0.0.1/cityloop",
    )
    read_database_url: str = Field(
        default="",
        description="Optional read replica (a streaming standby of the same PostgreSQL) for KPIs, the cockpit and "
        "case exports; empty means they read the primary. Example: postgresql+psycopg://user@replica/cityloop",
    )
    var_dir: Path = Field(default=ROOT / "var", description="Directory for the SQLite file, uploads and task state.")
    host: str = Field(default="127.0.0.1", description="Address `cityloop serve` binds to.")
    port: int = Field(default=8000, description="Port `cityloop serve` listens on.")
    access_log: bool = Field(default=False, description="Log every HTTP request (uvicorn access log).")
    keep_alive_seconds: int = Field(default=5, description="Seconds an idle HTTP keep-alive connection stays open.")
    workers: int = Field(default=1, description="Uvicorn worker processes for `cityloop serve`.")
    worker_healthcheck_seconds: int = Field(
        default=30, ge=1, description="How long a worker may take to answer the supervisor's health check before it "
        "is restarted; a saturated node answers late, and restarting it would drop the requests it holds.")
    env: Literal["development", "production"] = Field(
        default="development", description="`production` refuses to start without an explicit, unpublished "
        "`CITYLOOP_SECRET_KEY`.")
    secret_key: str = Field(
        default="", description="Signs tokens and session cookies and derives the key that encrypts personal data. "
        "Empty: a random key generated once into `var/secret.key` (mode 0600), except in production. The key of "
        "older releases' examples is refused in production and with PostgreSQL; `cityloop keys rotate` changes it.",
    )
    token_minutes: int = Field(default=480, description="Lifetime of API bearer tokens and sessions, in minutes.")
    city_code: str = Field(
        default="3301",
        description="Division code of the city this deployment serves; cases without a location land here.",
    )
    placement_min_cases: int = Field(
        default=3, ge=1,
        description="Confirmed cases of one division that must mention a local name (road, river) before "
        "placement takes it as evidence for that division.",
    )
    demo_password: str = Field(default="cityloop-demo", description="Password of the demo users.")
    password_time_cost: int = Field(default=3, description="Argon2 iterations for password hashes.")
    password_memory_kib: int = Field(default=65536, description="Argon2 memory per password hash, in KiB.")
    login_max_failures: int = Field(default=5, description="Failed logins allowed per user and address in a window.")
    login_window_seconds: int = Field(default=900, description="Window for counting failed logins, in seconds.")
    login_address_max_failures: int = Field(
        default=30, ge=1, description="Failed logins allowed per address in a login window, whatever the usernames "
        "(stops one try on each of many users); calls with unknown sharing keys get the same budget, counted apart.")
    rate_intake_per_address: int = Field(
        default=10, ge=1, description="Anonymous portal filings allowed per address in an intake window.")
    rate_intake_window_seconds: int = Field(default=3600, ge=1, description="Window for counting portal filings.")
    rate_track_per_address: int = Field(
        default=30, ge=1, description="Public tracking lookups and ratings (number + lookup code) allowed per address "
        "in a tracking window.")
    rate_track_window_seconds: int = Field(default=600, ge=1, description="Window for counting tracking lookups.")
    redis_url: str = Field(
        default="", description="Redis for the rate-limit counters, shared by all workers, e.g. "
        "redis://127.0.0.1:6379/0. Empty: counters kept in each process (right for a single worker).")
    trusted_proxies: str = Field(
        default="127.0.0.1", description="Addresses (or networks) of reverse proxies whose X-Forwarded-For/-Proto "
        "headers are believed (uvicorn forwarded_allow_ips), comma-separated; the client address and https of the "
        "proxy's visitors are then seen, so rate limits count visitors and cookies get Secure. Empty: ignored.")
    public_url: str = Field(
        default="", description="Public base URL, e.g. https://cityloop.example.gov.cn; when it is https, session "
        "and CSRF cookies are always marked Secure.")
    dispatch_limit_minutes: int = Field(
        default=30, ge=0, description="Time a dispatcher has to dispatch a case waiting for dispatch (即时分转 limit), "
        "in working minutes: only office hours of working days count, so a case received on Friday evening is due "
        "on Monday morning. The SLA sweep cards, urges and escalates cases past it like late handling.")
    received_at_earliest: date = Field(
        default=date(2000, 1, 1), description="Earliest receipt date (Beijing time) an administrator or an import "
        "may give a case; older `received_at` values are refused (a typo such as 0151 would make it centuries late).")
    received_at_max_ahead_minutes: int = Field(
        default=5, ge=0, description="How far ahead of the server clock a given `received_at` may lie (clock skew "
        "of the sending system), in minutes; later values are refused.")
    yellow_share: float = Field(
        default=0.8, description="Share of the handling time after which a case shows a yellow card."
    )
    escalate_after_urges: int = Field(
        default=3, description="Automatic urges after which a late case is escalated, once per stage (dispatch, "
        "handling). The sweep urges a late case once on the day it turns red, then once per further working day; "
        "after a pause it sends one urge that covers the missed days, so they count here too.")
    sweep_minutes: int = Field(default=5, description="Minutes between two SLA sweeps of the task runner.")
    run_sweeper: bool = Field(default=True, description="Run the periodic SLA sweep inside `cityloop serve`.")
    warm_start: bool = Field(
        default=True, description="Before a worker takes requests, load what intake reads lazily (division "
        "gazetteer, word segmenter, models, duplicate index) by building one probe case that is not stored, so the "
        "first cases after a restart are not the slow ones.")
    upload_max_bytes: int = Field(default=5_000_000, description="Largest accepted attachment, in bytes.")
    mqtt_url: str = Field(default="mqtt://127.0.0.1:1883", description="MQTT broker of the IoT sensors.")
    iot_ingest: bool = Field(default=True, description="Run the IoT ingest worker inside `cityloop serve` when the "
                             "MQTT broker answers (`cityloop iot run` runs it as a process of its own).")
    iot_offline_minutes: int = Field(
        default=30, ge=1, description="Minutes without a reading after which a device counts as offline and an "
        "offline alarm opens a case (a sensor's own `offline_minutes` wins; the next reading recovers it).")
    iot_offline_check_seconds: int = Field(
        default=60, ge=5, description="Seconds between two offline checks of the IoT ingest worker.")
    iot_raw_retention_days: int = Field(
        default=30, ge=1, description="Days raw IoT readings are kept; older ones are rolled into hourly "
        "min/max/avg/count rows and deleted (`cityloop iot compact`, also hourly inside the ingest worker).")
    notify_sms_gateway: Literal["log", "http"] = Field(
        default="log", description="Where SMS go: `log` writes them to the delivery log and the app log only; `http` "
        "POSTs JSON {to, text, kind, id} to CITYLOOP_NOTIFY_SMS_URL (an SMS provider or a relay).")
    notify_sms_url: str = Field(default="", description="Address the `http` SMS gateway POSTs to.")
    notify_sms_token: str = Field(default="", description="Bearer token the `http` SMS gateway sends.")
    notify_webhook_url: str = Field(
        default="", description="Address case events (accepted, dispatched, urged, closed) are POSTed to as JSON; "
        "empty: no webhooks.")
    notify_webhook_token: str = Field(default="", description="Bearer token sent with every webhook.")
    notify_lang: Literal["zh", "en"] = Field(default="zh", description="Language of SMS texts.")
    notify_max_attempts: int = Field(
        default=6, ge=1, le=50, description="Tries per message before it is marked failed (listed for administrators).")
    notify_backoff_seconds: float = Field(
        default=30.0, gt=0, description="Wait before the second try; each further try waits twice as long.")
    notify_backoff_max_seconds: float = Field(default=3600.0, gt=0, description="Longest wait between two tries.")
    notify_timeout_seconds: float = Field(default=5.0, gt=0, description="Timeout of one HTTP delivery, in seconds.")
    notify_poll_seconds: float = Field(
        default=10.0, gt=0, description="Seconds between two runs of the sender inside `cityloop serve` (it runs with "
        "the job runner, CITYLOOP_RUN_JOBS; `cityloop notify send` drains the outbox once).")
    video_false_alarm_step: float = Field(
        default=0.05, gt=0, le=0.5, description="How much a dispatcher's false-alarm verdict raises the confidence "
        "threshold of that camera and event class (above the false alarm's own confidence, at most 0.99).")
    public_base_url: str = Field(
        default="http://127.0.0.1:8000", description="The address people reach this server at; printed QR tags and "
        "published catalogues link to it.")
    kpi_rollups: Literal["auto", "on", "off"] = Field(
        default="auto", description="Where KPIs come from: `auto` reads the rollups while their catch-up job keeps "
        "them fresh (within three runs) and the period is whole local days, else the cases; `off` always counts "
        "the cases; `on` always reads the rollups.")
    rollup_seconds: int = Field(
        default=60, ge=5, description="Seconds between two catch-up runs of the KPI rollups inside `cityloop serve`.")
    retention_reporter_days: int = Field(
        default=0, ge=0, description="Days a closed case keeps its reporter's name, phone and ID number; then the "
        "scheduled job deletes them (the case and its statistics stay). 0: kept until erased on request.")
    open_data_k: int = Field(
        default=5, ge=2, le=100, description="Smallest count an open dataset publishes (k-anonymity): a cell of "
        "fewer cases is withheld.")
    share_rate_per_minute: int = Field(
        default=60, ge=1, description="Calls per minute a sharing key gets when its request names no rate.")
    share_max_rate_per_minute: int = Field(
        default=600, ge=1, description="Highest rate (calls per minute) a sharing request may ask for.")
    share_max_days: int = Field(
        default=366, ge=1, description="Longest period, in days, a sharing request may cover.")
    share_page_size: int = Field(
        default=100, ge=1, le=1000, description="Rows per page of the shared data API when the caller names none.")
    export_approvers: str = Field(
        default="", description="Comma-separated usernames of supervisors designated to approve exports of "
        "personal data in clear (administrators always may).")
    checkin_radius_m: float = Field(
        default=100.0, gt=0, le=5000, description="How far (metres) from a patrol point a GPS check-in may be.")
    checkin_max_age_days: int = Field(
        default=7, ge=1, le=60, description="Oldest check-in a phone may send after being offline (days).")
    checkin_tag_max_age_days: int = Field(
        default=730, ge=1, le=3650, description="How long a printed patrol tag (QR) stays valid (days); reprint after.")
    reply_min_chars: int = Field(
        default=8, ge=0, le=500, description="Fewest letters and digits (punctuation and spaces not counted) a unit's "
        "reply (办结答复) must have: “已处理” tells the citizen nothing.")
    verify_photo_categories: list[str] = Field(
        default_factory=list, description="Category code prefixes whose passed on-site verification needs a photo "
        '(JSON list, e.g. ["01", "0203"]); ["*"] for every category; empty for none.')
    call_through_url: str = Field(
        default="", description="Call-through URL template for calling a reporter on a masked line, with {case_id} "
        "(e.g. https://pbx.example/call?case={case_id}); empty: no call link for staff who see a masked number.")
    classify_threshold: float = Field(
        default=0.6, description="Confidence below which a suggested category is not applied automatically."
    )
    dedup_screening: bool = Field(
        default=True, description="Look for duplicate candidates and repeat callers on every new case.")
    dedup_auto_merge: bool = Field(
        default=True, description="Merge a new case into an open one it surely repeats (text ≥ 0.85 similar, "
        "≤ 200 m, ≤ 72 h); otherwise duplicates are only suggested to the dispatcher.")
    dedup_category_params: dict[str, dict[str, float]] = Field(
        default_factory=dict, description="Duplicate thresholds per category code or code prefix, as JSON, e.g. "
        '`{"0101": {"suggest_threshold": 0.6, "max_distance_m": 300}}` (fields of `intel.dedup.DedupParams`).')
    model_dir: Path = Field(
        default=ROOT / "var" / "models", description="Where trained classification models are kept."
    )
    model_keep_versions: int = Field(
        default=5, ge=2, description="Model versions kept per kind after a retrain (newest first); older ones are "
        "deleted with their directories. The active and the previously active version always stay.")
    run_jobs: bool = Field(
        default=True, description="Run queued background jobs (model retraining) inside `cityloop serve`; "
        "with false, run them with `cityloop intel run-jobs`.")
    job_poll_seconds: float = Field(default=5.0, gt=0, description="Seconds between two looks for queued jobs.")
    job_timeout_minutes: int = Field(
        default=120, ge=1, description="A training job still running after this long is marked failed (its "
        "process died), so that kind can be retrained again.")
    hotspots_max_cases: int = Field(
        default=2000, ge=1, description="Newest cases of the window clustered per hot-issue request; the "
        "response says when the window held more (`truncated`).")
    tile_url: str = Field(
        default="", description="Base-map tiles: an XYZ or WMTS (KVP) URL template with `{z}` `{x}` `{y}` and "
        "optionally `{s}`, in Web Mercator with WGS84/CGCS2000 coordinates (天地图 `vec_w` with its `tk` key, or a "
        "self-hosted server). Empty: an offline base drawn from the city's divisions, grids and standard addresses.")
    tile_label_url: str = Field(
        default="", description="Optional label tiles drawn over `CITYLOOP_TILE_URL` (天地图 `cva_w`), same form.")
    tile_attribution: str = Field(
        default="", description="Attribution shown on maps with tiles (plain text), e.g. `天地图 GS(2024)0568号`.")
    tile_subdomains: str = Field(
        default="abc", description="Characters substituted for `{s}` in the tile URLs (天地图: `01234567`).")
    tile_max_zoom: int = Field(default=18, ge=1, le=22, description="Deepest zoom level the tile server provides.")

    @field_validator("tile_url", "tile_label_url")
    @classmethod
    def _tile_template(cls, value: str) -> str:
        # Caught at startup: a template without the placeholders would fetch the same image everywhere.
        if value and not (value.startswith(("https://", "http://", "/"))
                          and all(p in value for p in ("{z}", "{x}", "{y}"))):
            raise ValueError("tile URL must be http(s):// or /path and contain {z}, {x} and {y}")
        return value

    @model_validator(mode="after")
    def _models_follow_var_dir(self) -> Settings:
        # Unless set explicitly, models live under var_dir (so tests and deployments keep them out of the repo).
        if "model_dir" not in self.model_fields_set:
            self.model_dir = self.var_dir / "models"
        return self

    @model_validator(mode="after")
    def _generated_secret_key(self) -> Settings:
        # Production must bring its own key (kept with its backups); anywhere else one is made on first run.
        if not self.secret_key and self.env != "production":
            self.secret_key = _secret_from_file(self.var_dir / "secret.key")
        return self

    @property
    def effective_database_url(self) -> str:
        """Database URL with the SQLite default applied."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'cityloop.db'}"


def _secret_from_file(path: Path) -> str:
    """The key stored at `path`, created there (readable by the owner only) if missing."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        draft = path.with_name(f".{path.name}.{os.getpid()}")
        fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        # link() fails if another process got there first; then both use the one that is there.
        with contextlib.suppress(FileExistsError):
            os.link(draft, path)
        draft.unlink()
    return path.read_text(encoding="utf-8").strip()


@lru_cache
def get_settings() -> Settings:
    """Process-wide settings (cleared in tests)."""
    return Settings()
