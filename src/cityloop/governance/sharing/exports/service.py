"""Exports of personal data in clear need an approval: asked for, granted by an allowed role, then used."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from cityloop.cases import exporter
from cityloop.config import get_settings
from cityloop.governance.sharing import history
from cityloop.governance.sharing.exports import repository as repo
from cityloop.governance.sharing.exports.models import ExportApproval
from cityloop.governance.sharing.exports.schemas import DecisionIn, ExportApprovalOut, ExportRequestIn
from cityloop.governance.sharing.states import EXPORT_META, ExportState
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed

EXPORTS: dict[str, tuple[str, str]] = {
    "dispatch-queue": ("派单队列", "Dispatch queue"), "inbox": ("承办待办", "Handler inbox"),
    "overdue": ("超期工单", "Overdue cases"),
    exporter.FILE_EXPORT: ("工单文件导出（命令行）", "Case file export (CLI)"),
}
VALID_FOR = timedelta(days=1)


def may_approve(subject: Subject) -> bool:
    """Administrators, and supervisors designated in `export_approvers`."""
    if subject.kind != "user":
        return False
    designated = {n.strip() for n in get_settings().export_approvers.split(",") if n.strip()}
    return Role.ADMIN in subject.roles or (Role.SUPERVISOR in subject.roles and subject.name in designated)


def ask(session: Session, subject: Subject, data: ExportRequestIn, lang: str = "zh") -> ExportApprovalOut:
    """A user whose role sees personal data asks to export one list in clear."""
    if subject.kind != "user" or subject.id is None or not subject.sees_pii:
        raise Forbidden("该角色无权导出明文个人信息", "This role may not export personal data in clear")
    errors: dict[str, tuple[str, str]] = {}
    if data.export not in EXPORTS:
        errors["export"] = (f"导出应为 {', '.join(EXPORTS)}", f"Export must be one of {', '.join(EXPORTS)}")
    if len(data.reason.strip()) < 5:
        errors["reason"] = ("请说明理由（至少5个字）", "Give the reason (5 characters or more)")
    if errors:
        raise ValidationFailed(errors)
    approval = ExportApproval(requester_id=subject.id, export=data.export, reason=data.reason.strip(),
                              state=ExportState.PENDING)
    session.add(approval)
    session.flush()
    history.log(session, subject, "export", approval.id, "export_ask", ExportState.PENDING,
                detail={"export": data.export})
    session.commit()
    return present(session, approval, lang)


def decide(session: Session, subject: Subject, approval_id: int, data: DecisionIn,
           lang: str = "zh") -> ExportApprovalOut:
    """Approve (single use, or for a day) or reject a pending request; never one's own."""
    approval = repo.by_id(session, approval_id)
    if approval is None or not (may_approve(subject) or approval.requester_id == subject.id):
        raise NotFound("导出审批不存在", "No such export approval", id=approval_id)
    if not may_approve(subject) or approval.requester_id == subject.id:
        raise Forbidden("您无权审批该导出", "You may not decide on this export")
    if approval.state != ExportState.PENDING:
        raise InvalidTransition("该申请已处理", "This request has been decided", state=approval.state)
    if not data.approve and len(data.note.strip()) < 2:
        raise ValidationFailed({"note": ("驳回须说明理由", "Give the reason for rejecting")})
    approval.state = ExportState.APPROVED if data.approve else ExportState.REJECTED
    approval.approver_id, approval.note, approval.single_use = subject.id, data.note.strip(), data.single_use
    approval.expires_at = utcnow() + VALID_FOR if data.approve else None
    history.log(session, subject, "export", approval.id, "export_approve" if data.approve else "export_reject",
                approval.state, from_state=ExportState.PENDING, note=approval.note,
                detail={"single_use": data.single_use})
    session.commit()
    return present(session, approval, lang)


def consume(session: Session, subject: Subject, export: str) -> ExportApproval | None:
    """The subject's valid approval for `export`, marked used when single use (the caller commits)."""
    if subject.kind != "user" or subject.id is None:
        return None
    approval = repo.valid_for(session, subject.id, export, utcnow())
    if approval is None:
        return None
    if approval.single_use:
        approval.state, approval.used_at = ExportState.USED, utcnow()
        history.log(session, subject, "export", approval.id, "export_use", ExportState.USED,
                    from_state=ExportState.APPROVED, detail={"export": export})
    return approval


def list_approvals(session: Session, subject: Subject, lang: str = "zh") -> list[ExportApprovalOut]:
    """One's own requests; approvers also see everyone's."""
    if subject.kind != "user" or not subject.is_staff:
        raise Forbidden("仅工作人员可查看导出审批", "Only staff may read export approvals")
    mine = None if may_approve(subject) else subject.id
    return [present(session, a, lang) for a in repo.recent(session, mine)]


def present(session: Session, approval: ExportApproval, lang: str = "zh") -> ExportApprovalOut:
    """The API and page view of an approval."""
    ids = {approval.requester_id} | ({approval.approver_id} if approval.approver_id else set())
    names = repo.usernames(session, ids)
    return ExportApprovalOut(
        id=approval.id, requester=names.get(approval.requester_id, ""), export=approval.export,
        reason=approval.reason, state=approval.state, state_label=EXPORT_META[approval.state][1 if lang == "en" else 0],
        single_use=approval.single_use, approver=names.get(approval.approver_id) if approval.approver_id else None,
        note=approval.note, expires_at=approval.expires_at, used_at=approval.used_at, created_at=approval.created_at)


def _cli_gate(session: Session, subject: Subject, export: str) -> int | None:
    approval = consume(session, subject, export)
    return approval.id if approval is not None else None


def register() -> None:
    """Let file exports (`cityloop cases export --unmasked`) use export approvals (idempotent)."""
    if _cli_gate not in exporter.clear_export_gates:
        exporter.clear_export_gates.append(_cli_gate)
