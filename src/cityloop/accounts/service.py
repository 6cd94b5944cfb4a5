"""Accounts rules: passwords, tokens, API keys, login throttling and building the Subject."""

from __future__ import annotations

import hashlib
import secrets
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

import jwt
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.orm import Session

from cityloop.accounts import passwords
from cityloop.accounts import repository as repo
from cityloop.accounts.models import ApiKey, LoginAttempt, Unit, User
from cityloop.accounts.schemas import MeOut, UnitRef
from cityloop.config import get_settings
from cityloop.kit import ratelimit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import Conflict, Forbidden, TooManyRequests, Unauthorized, ValidationFailed


@lru_cache(maxsize=4)
def _hasher_for(time_cost: int, memory_kib: int) -> tuple[PasswordHash, str]:
    hasher = PasswordHash((Argon2Hasher(time_cost=time_cost, memory_cost=memory_kib),))
    # A hash of a random password, checked when the user does not exist so timing does not reveal usernames.
    return hasher, hasher.hash(secrets.token_hex(8))


def _hasher() -> tuple[PasswordHash, str]:
    s = get_settings()
    return _hasher_for(s.password_time_cost, s.password_memory_kib)

_SUBJECT_TTL = 30.0
_subject_cache: dict[int, tuple[float, Subject]] = {}


def hash_password(password: str) -> str:
    """Argon2 hash of `password`."""
    return _hasher()[0].hash(password)


def create_unit(session: Session, name: str, division_code: str, *, kind: str = "department",
                unit_type: str = "", parent: Unit | None = None) -> Unit:
    """Add a unit under `parent`."""
    unit = Unit(name=name, division_code=division_code, kind=kind, unit_type=unit_type,
                parent_id=parent.id if parent else None)
    session.add(unit)
    session.flush()
    return unit


def create_user(session: Session, username: str, password: str, roles: list[Role] | list[str], *,
                scope: str = "", unit: Unit | None = None, display_name: str = "") -> User:
    """Add a user; staff without an explicit scope get their unit's area."""
    errors: dict[str, tuple[str, str]] = {}
    if not username or len(username) > 80:
        errors["username"] = ("用户名长度应为1-80", "Username must be 1-80 characters")
    weak = passwords.problem(username, password)
    if weak:
        errors["password"] = weak
    unknown = [r for r in roles if r not in set(Role) - {Role.SYSTEM}]
    if unknown:
        errors["roles"] = (f"未知角色: {unknown}", f"Unknown roles: {unknown}")
    if errors:
        raise ValidationFailed(errors)
    if repo.user_by_name(session, username):
        raise Conflict("用户名已存在", "Username already exists", username=username)
    user = User(username=username, password_hash=hash_password(password), roles=[str(r) for r in roles],
                unit_id=unit.id if unit else None, scope_code=scope or (unit.division_code if unit else ""),
                display_name=display_name or username)
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, user: User, new_password: str, current_password: str | None = None) -> None:
    """Set a new password (the current one is checked when given: self-service changes give it)."""
    if current_password is not None and not _hasher()[0].verify(current_password, user.password_hash):
        raise ValidationFailed({"current_password": ("当前密码不正确", "The current password is wrong")})
    weak = passwords.problem(user.username, new_password)
    if weak:
        raise ValidationFailed({"new_password": weak})
    user.password_hash = hash_password(new_password)
    session.flush()


def change_own_password(session: Session, subject: Subject, current_password: str, new_password: str) -> None:
    """A logged-in user changes their own password."""
    user = repo.user_by_id(session, subject.id) if subject.kind == "user" and subject.id else None
    if user is None:
        raise Forbidden("只有用户账号可以修改密码", "Only user accounts have a password")
    change_password(session, user, new_password, current_password)
    session.commit()


def authenticate(session: Session, username: str, password: str, address: str = "") -> User:
    """Check a password login, throttling failures per user and address, and per address whatever the user."""
    settings = get_settings()
    limit = ratelimit.limits()["login"]
    wait = ratelimit.get_limiter().blocked(address, limit)
    if wait is not None:
        raise _too_many_logins(wait)
    since = utcnow() - timedelta(seconds=settings.login_window_seconds)
    if repo.recent_failures(session, username, address, since) >= settings.login_max_failures:
        raise _too_many_logins(settings.login_window_seconds)
    user = repo.user_by_name(session, username)
    hasher, dummy = _hasher()
    ok = hasher.verify(password, user.password_hash if user else dummy)
    success = bool(user and ok and user.is_active)
    session.add(LoginAttempt(username=username, address=address, success=success))
    session.commit()
    if not success or user is None:
        ratelimit.get_limiter().hit(address, limit)
        raise Unauthorized("用户名或密码错误", "Wrong username or password")
    return user


def _too_many_logins(retry_after: int) -> TooManyRequests:
    return TooManyRequests("登录失败次数过多，请稍后再试", "Too many failed logins; try again later",
                           retry_after=retry_after)


def issue_token(user: User) -> str:
    """A signed bearer token for `user`."""
    settings = get_settings()
    # Real time, not the application clock: PyJWT checks expiry against the real clock.
    now = datetime.now(UTC)
    claims = {"sub": str(user.id), "iat": now, "exp": now + timedelta(minutes=settings.token_minutes)}
    return jwt.encode(claims, settings.secret_key, algorithm="HS256")


def subject_from_token(session: Session, token: str) -> Subject:
    """Verify a bearer token and return its subject."""
    try:
        claims = jwt.decode(token, get_settings().secret_key, algorithms=["HS256"])
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError) as exc:
        raise Unauthorized("登录已失效，请重新登录", "Invalid or expired token") from exc
    return subject_for_user_id(session, user_id)


def subject_for_user_id(session: Session, user_id: int) -> Subject:
    """The subject of an active user, cached briefly so each request does not reload it."""
    hit = _subject_cache.get(user_id)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    user = repo.user_by_id(session, user_id)
    if user is None or not user.is_active:
        raise Unauthorized("账号不存在或已停用", "Account missing or disabled")
    subject = subject_for_user(session, user)
    _subject_cache[user_id] = (time.monotonic() + _SUBJECT_TTL, subject)
    return subject


def forget_subjects() -> None:
    """Drop cached subjects (after role or scope changes)."""
    _subject_cache.clear()


cache_clearers.append(forget_subjects)


def subject_for_user(session: Session, user: User) -> Subject:
    """Build the Subject of `user`, including the units below theirs and the units located in their area."""
    unit_ids = _unit_subtree(session, user.unit_id)
    return Subject(id=user.id, name=user.username, roles=frozenset(Role(r) for r in user.roles),
                   scope=user.scope_code, unit_id=user.unit_id, unit_ids=frozenset(unit_ids),
                   area_unit_ids=frozenset(repo.unit_ids_in_area(session, user.scope_code)))


def _unit_subtree(session: Session, unit_id: int | None) -> set[int]:
    if unit_id is None:
        return set()
    seen, frontier = {unit_id}, {unit_id}
    while frontier:
        frontier = repo.child_unit_ids(session, frontier) - seen
        seen |= frontier
    return seen


def create_api_key(session: Session, name: str, roles: list[Role], scope: str,
                   unit: Unit | None = None) -> tuple[ApiKey, str]:
    """Create an API key; the clear key is returned once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(24)
    key = ApiKey(name=name, prefix=prefix, key_hash=_digest(secret), roles=[str(r) for r in roles],
                 scope_code=scope, unit_id=unit.id if unit else None)
    session.add(key)
    session.flush()
    return key, f"cl_{prefix}_{secret}"


def subject_from_api_key(session: Session, raw: str) -> Subject:
    """Verify an `X-API-Key` value and return its subject."""
    parts = raw.split("_", 2)
    if len(parts) != 3 or parts[0] != "cl":
        raise Unauthorized("API密钥无效", "Invalid API key")
    key = repo.api_key_by_prefix(session, parts[1])
    if key is None or not key.is_active or not secrets.compare_digest(key.key_hash, _digest(parts[2])):
        raise Unauthorized("API密钥无效", "Invalid API key")
    return Subject(id=key.id, name=f"apikey:{key.name}", roles=frozenset(Role(r) for r in key.roles),
                   scope=key.scope_code, unit_id=key.unit_id, kind="api_key",
                   unit_ids=frozenset(_unit_subtree(session, key.unit_id)),
                   area_unit_ids=frozenset(repo.unit_ids_in_area(session, key.scope_code)))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def describe(session: Session, subject: Subject) -> MeOut:
    """The `/me` view of a subject."""
    unit = repo.unit_by_id(session, subject.unit_id) if subject.unit_id else None
    user = repo.user_by_id(session, subject.id) if subject.kind == "user" and subject.id else None
    return MeOut(id=subject.id, username=subject.name, display_name=user.display_name if user else subject.name,
                 roles=sorted(str(r) for r in subject.roles),
                 unit=UnitRef(id=unit.id, name=unit.name) if unit else None,
                 scope=subject.scope, kind=subject.kind)


def list_units(session: Session, subject: Subject) -> list[dict[str, object]]:
    """Units for dispatch pickers; staff only."""
    if not subject.is_staff:
        raise Forbidden("仅工作人员可查看单位", "Staff only")
    return [{"id": u.id, "name": u.name, "kind": u.kind, "unit_type": u.unit_type,
             "division_code": u.division_code, "parent_id": u.parent_id, "is_active": u.is_active}
            for u in repo.all_units(session)]


def list_users(session: Session, subject: Subject) -> list[dict[str, object]]:
    """Users in the admin's area (no password hashes)."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可查看用户", "Administrators only")
    return [{"id": u.id, "username": u.username, "display_name": u.display_name, "roles": u.roles,
             "unit_id": u.unit_id, "scope": u.scope_code, "is_active": u.is_active}
            for u in repo.list_users(session, subject.scope or "")]
