"""Start-up checks of the secret key: not the published one in production, and the one the database was made with."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.config import PUBLISHED_SECRET_KEY, Settings, get_settings
from cityloop.kit.crypto import check_value, readable
from cityloop.kit.db import session_scope
from cityloop.kit.keys.columns import keyed_tables
from cityloop.kit.keys.models import SystemValue

CHECK = "key_check"
ROTATION = "key_rotation"


class KeyRefused(Exception):
    """The server must not start with this secret key; the message says why in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh}\n{en}")
        self.zh = zh
        self.en = en


def check_settings(settings: Settings) -> None:
    """Refuse a missing key in production, and the published key in production or with PostgreSQL."""
    if not settings.secret_key:
        raise KeyRefused("生产环境必须设置 CITYLOOP_SECRET_KEY（随机长字符串，并与数据库备份一起妥善保管）",
                         "Production needs CITYLOOP_SECRET_KEY set (a long random string, kept with the backups)")
    shared = settings.env == "production" or settings.effective_database_url.startswith("postgresql")
    if settings.secret_key == PUBLISHED_SECRET_KEY and shared:
        raise KeyRefused("CITYLOOP_SECRET_KEY 仍是公开的示例密钥，任何人都能用它伪造管理员令牌；请换成随机长字符串"
                         "（已有加密数据时用 cityloop keys rotate 更换）",
                         "CITYLOOP_SECRET_KEY is the published example key, with which anyone can sign an admin "
                         "token; set a long random one (with existing data, change it by cityloop keys rotate)")


def check_database(session: Session, secret: str | None = None) -> None:
    """Refuse a key other than the database's; a database without a check value gets this key's (commits)."""
    if session.get(SystemValue, ROTATION) is not None:
        raise KeyRefused("密钥轮换尚未完成：请用相同参数再次运行 cityloop keys rotate",
                         "A key rotation is unfinished: run cityloop keys rotate again with the same keys")
    stored = session.get(SystemValue, CHECK)
    if stored is None:
        sample = encrypted_sample(session)
        if sample is not None and not readable(sample, secret):
            raise _published_default() if readable(sample, PUBLISHED_SECRET_KEY) else _mismatch()
        session.add(SystemValue(name=CHECK, value=check_value(secret)))
        try:
            session.commit()
        except IntegrityError:  # another worker recorded it first; compare with theirs
            session.rollback()
            stored = session.get(SystemValue, CHECK)
    if stored is not None and stored.value != check_value(secret):
        raise _mismatch()


def startup_check() -> None:
    """Both checks, with the configured key and database."""
    check_settings(get_settings())
    with session_scope() as session:
        check_database(session)


def _mismatch() -> KeyRefused:
    return KeyRefused("CITYLOOP_SECRET_KEY 与数据库建立时的密钥不一致：用这个密钥，加密的个人信息将全部读不出。"
                      "请恢复原密钥，或用 cityloop keys rotate 更换密钥",
                      "CITYLOOP_SECRET_KEY is not the key this database was made with: all encrypted personal data "
                      "would read as empty. Restore the original key, or change it with cityloop keys rotate")


def _published_default() -> KeyRefused:
    # Databases of earlier releases were encrypted under the published default; keys are generated now.
    command = f"CITYLOOP_OLD_SECRET_KEY={PUBLISHED_SECRET_KEY} cityloop keys rotate --new <当前/current key>"
    return KeyRefused(f"数据库由旧版本的公开默认密钥加密，请先轮换到当前密钥：{command}",
                      f"This database was encrypted under the published default key of earlier releases; "
                      f"rotate it to the current key first: {command}")


def encrypted_sample(session: Session) -> str | None:
    """One stored encrypted value (for a database from before the check value: can this key read it?)."""
    for keyed in keyed_tables():
        for column in keyed.encrypted:
            value = session.scalar(select(column).where(column.isnot(None), column != "").limit(1))
            if value is not None:
                return str(value)
    return None
