"""Reply quality: sub-scores, flags, overall and hints."""

from __future__ import annotations

from datetime import date

from cityloop.intel import reply_quality as rq

MESSAGE = "我家小区门口的路灯坏了一个月了，什么时候能修好？晚上出行很不安全。"
GOOD = (
    "您好！经核实，您反映的小区门口路灯故障问题，我局已安排市政维修队于6月3日完成修复。"
    "根据《城市照明管理规定》第十条，下一步我们将加强巡查：一、每周夜间巡查一次；二、接报后24小时内维修。"
    "如有疑问请联系市城管局照明科，电话0731-88888888。"
)
FORMULAIC = "您好，来信收悉，已转交相关部门，请耐心等待，感谢您对我们工作的关心和支持。"


def test_good_reply_scores_high_on_every_axis() -> None:
    s = rq.score(MESSAGE, GOOD, date(2024, 6, 3), date(2024, 6, 5))
    assert s.relevance >= 0.4
    assert rq.relevance(MESSAGE, "关于中考加分政策，请咨询教育局招生办。") < 0.2
    assert s.completeness == 1.0
    assert s.interpretability >= 0.8
    assert s.timeliness == 1.0
    assert s.workdays == 2
    assert s.flags == ()
    assert s.overall >= 75


def test_formulaic_and_empty_replies_are_flagged() -> None:
    formulaic = rq.score(MESSAGE, FORMULAIC)
    assert "formulaic" in formulaic.flags
    assert formulaic.overall < 30
    empty = rq.score(MESSAGE, "  ")
    assert empty.flags == ("empty",)
    assert empty.overall == 0


def test_timeliness_counts_working_days() -> None:
    # 2024-09-30 (Mon) to 2024-10-08 (Tue): the National Day holiday in between is not counted.
    score, days = rq.timeliness(date(2024, 9, 30), date(2024, 10, 8))
    assert days == 1
    assert score == 1.0
    late, late_days = rq.timeliness(date(2024, 6, 3), date(2024, 7, 15))
    assert late_days is not None
    assert late_days > rq.LATE_DAYS
    assert late == 0.0


def test_copied_replies_are_formulaic_across_a_batch() -> None:
    copy = "经查，该问题属于物业管理范畴，请与物业公司协商解决，谢谢。" * 2
    rows = [(MESSAGE, copy, None, None), ("楼上装修噪音太大", copy, None, None), (MESSAGE, GOOD, None, None)]
    scores = rq.score_all(rows)
    assert "formulaic" in scores[0].flags
    assert "formulaic" in scores[1].flags
    assert "formulaic" not in scores[2].flags


def test_hints_are_bilingual_and_point_at_gaps() -> None:
    codes = {h["code"] for h in rq.hints(MESSAGE, FORMULAIC)}
    assert {"formulaic", "result", "laws"} <= codes
    assert all(h["zh"] and h["en"] for h in rq.hints(MESSAGE, FORMULAIC))
    assert rq.hints(MESSAGE, GOOD) == []
