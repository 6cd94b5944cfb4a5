"""Linking accounts to registry subjects (administrators) and resolving the caller's own subject."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from cityloop.areas.elements.rows import credit_code_valid
from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.crypto import blind_index, decrypt, encrypt
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.kit.masking import mask_phone
from cityloop.kit.phones import MESSAGE as PHONE_MESSAGE
from cityloop.kit.phones import normalize_phone
from cityloop.policy.accounts import repository as repo
from cityloop.policy.accounts.models import SubjectContact, SubjectLink

KINDS = ("enterprise", "person")
# The registry subject a role may speak for: a 法人账号 for an enterprise, a citizen for a person.
KIND_OF_ROLE = {Role.FIRM: "enterprise", Role.CITIZEN: "person"}


@dataclass(frozen=True)
class Own:
    """The registry subject the caller speaks for."""

    kind: str
    id: str


@dataclass(frozen=True)
class LinkView:
    """A link as shown: the contact phone masked unless the reader may see it."""

    user_id: int
    username: str
    subject_kind: str
    subject_id: str
    phone: str | None


def link_user(session: Session, subject: Subject, user_id: int, subject_kind: str, subject_id: str,
              phone: str | None = None) -> LinkView:
    """Tie a firm or citizen account to its subject (replacing an earlier link); administrators only."""
    _admin(subject)
    user = repo.user(session, user_id)
    if user is None:
        raise NotFound("用户不存在", "No such user")
    subject_id = subject_id.strip().upper() if subject_kind == "enterprise" else subject_id.strip()
    _check(session, user.roles, subject_kind, subject_id, phone)
    link = repo.link_of_user(session, user_id)
    before = (link.subject_kind, link.subject_id) if link else None
    if link is None:
        link = SubjectLink(user_id=user_id, subject_kind=subject_kind, subject_id=subject_id, created_by=subject.name)
        session.add(link)
    link.subject_kind, link.subject_id = subject_kind, subject_id
    if phone:
        _set_phone(session, subject_kind, subject_id, normalize_phone(phone) or "")
    session.flush()
    audit.record(session, subject, "link_policy_subject", "user", [user_id],
                 {"before": list(before) if before else None, "after": [subject_kind, subject_id],
                  "phone": mask_phone(normalize_phone(phone)) if phone else None})
    session.commit()
    return _view(session, subject, link, user.username)


def link_username(session: Session, subject: Subject, username: str, subject_kind: str, subject_id: str,
                  phone: str | None = None) -> LinkView:
    """`link_user` by username (the admin page's form)."""
    _admin(subject)
    user = repo.user_by_name(session, username.strip())
    if user is None:
        raise ValidationFailed({"username": ("用户不存在", "No such user")})
    return link_user(session, subject, user.id, subject_kind, subject_id, phone or None)


def _check(session: Session, roles: list[str], kind: str, subject_id: str, phone: str | None) -> None:
    errors: dict[str, tuple[str, str]] = {}
    wanted = {KIND_OF_ROLE[Role(r)] for r in roles if r in {Role.FIRM, Role.CITIZEN}}
    if kind not in KINDS:
        errors["subject_kind"] = ("应为 enterprise 或 person", "must be enterprise or person")
    elif kind not in wanted:
        errors["user_id"] = ("企业只能关联法人账号（企业角色），个人只能关联群众账号",
                             "an enterprise links to a firm account, a person to a citizen account")
    if kind == "enterprise" and not credit_code_valid(subject_id):
        errors["subject_id"] = ("统一社会信用代码无效（GB 32100）", "not a valid unified social credit code (GB 32100)")
    elif kind == "enterprise" and repo.enterprise(session, subject_id) is None:
        errors["subject_id"] = ("企业库中没有该企业", "no such enterprise in the registry")
    elif kind == "person" and not 1 <= len(subject_id) <= 40:
        errors["subject_id"] = ("个人编号应为 1–40 个字符", "a person id of 1–40 characters")
    if phone and normalize_phone(phone) is None:
        errors["phone"] = PHONE_MESSAGE
    if errors:
        raise ValidationFailed(errors)


def set_contact(session: Session, subject: Subject, subject_kind: str, subject_id: str, phone: str) -> None:
    """Record the phone a subject is told on (administrators)."""
    _admin(subject)
    number = normalize_phone(phone)
    if number is None:
        raise ValidationFailed({"phone": PHONE_MESSAGE})
    _set_phone(session, subject_kind, subject_id, number)
    audit.record(session, subject, "set_policy_contact", "policy_subject", [],
                 {"subject": [subject_kind, subject_id], "phone": mask_phone(number)})
    session.commit()


def _set_phone(session: Session, kind: str, subject_id: str, number: str) -> None:
    row = repo.contact(session, kind, subject_id) or SubjectContact(subject_kind=kind, subject_id=subject_id)
    row.phone, row.phone_index = encrypt(number), blind_index(number)
    session.add(row)


def links(session: Session, subject: Subject, subject_kind: str | None = None,
          subject_id: str | None = None) -> list[LinkView]:
    """The links (of one subject when given); administrators only."""
    _admin(subject)
    out = []
    for link in repo.links(session, subject_kind, subject_id):
        user = repo.user(session, link.user_id)
        out.append(_view(session, subject, link, user.username if user else ""))
    return out


def _view(session: Session, reader: Subject, link: SubjectLink, username: str) -> LinkView:
    row = repo.contact(session, link.subject_kind, link.subject_id)
    phone = decrypt(row.phone) if row else None
    return LinkView(link.user_id, username, link.subject_kind, link.subject_id,
                    phone if reader.sees_pii else mask_phone(phone))


def own_subject(session: Session, subject: Subject) -> Own | None:
    """The subject a logged-in firm or citizen speaks for (None when not linked yet)."""
    if subject.kind != "user" or subject.id is None or not subject.roles & set(KIND_OF_ROLE):
        raise Forbidden("只有企业或群众账号有可享政策", "Only firm and citizen accounts have policies of their own")
    link = repo.link_of_user(session, subject.id)
    return Own(link.subject_kind, link.subject_id) if link else None


def phones(session: Session, subject_kind: str, subject_ids: list[str]) -> dict[str, tuple[str, int | None]]:
    """(phone, user id) to text for each subject that has one: its contact phone, else a linked user's phone."""
    found: dict[str, tuple[str, int | None]] = {}
    users = repo.linked_user_ids(session, subject_kind, subject_ids)
    for sid, row in repo.contacts(session, subject_kind, subject_ids).items():
        number = decrypt(row.phone)
        if number:
            linked = users.get(sid) or []
            found[sid] = (number, linked[0] if linked else None)
    for sid, ids in users.items():
        if sid not in found:
            for uid in ids:
                user = repo.user(session, uid)
                if user is not None and user.phone:
                    found[sid] = (user.phone, uid)
                    break
    return found


def _admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以关联企业和个人账号", "Only administrators link accounts to subjects")
