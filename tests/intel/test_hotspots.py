"""Hot issues: same problem + same place + same period cluster together; heat ranks them; tables and CLI."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

from typer.testing import CliRunner

from cityloop.intel.hotspots import cluster as hs
from cityloop.intel.offline_cli import offline_app

T0 = datetime(2019, 7, 1, 9, 0)
PARAMS = hs.HotspotParams(standardise=False)  # the gazetteer load is not needed for these texts

# Real messages on one issue repeat the place and the problem words (see docs/intel_analytics.md).
MIXER = [
    ("A2区丽发新城附近修建搅拌站噪音扰民", "丽发新城小区旁边新建了一个搅拌站，日夜施工，噪音和粉尘严重影响居民休息。"),
    (
        "投诉丽发新城小区附近搅拌站噪音扰民",
        "搅拌站就在丽发新城小区旁边，噪音和粉尘很大，窗户都不敢开，请环保部门查处。",
    ),
    ("丽发新城附近搅拌站夜间噪音扰民", "每天晚上搅拌站的车辆进出，噪音太大，丽发新城居民无法入睡。"),
    ("A市丽发新城小区旁建搅拌站严重扰民", "丽发新城小区附近的搅拌站噪音粉尘问题一直没有解决。"),
]
FUMES = [
    ("A5区劳动东路魅力之城小区油烟扰民", "魅力之城小区临街门面的餐馆油烟直排，楼上住户苦不堪言。"),
    ("魅力之城小区临街门面油烟直排扰民", "劳动东路魅力之城小区一楼的烧烤店油烟很大，晚上还很吵。"),
]
OTHER_FUMES = [("A3区看云路润芳园小区临街门面油烟扰民", "润芳园小区楼下的餐馆油烟直排，影响居民生活。")]
SINGLES = [
    ("A7县星沙镇某路段路灯不亮", "晚上路灯不亮，出行不安全。"),
    ("咨询A市公积金贷款政策", "想了解公积金贷款额度如何计算。"),
]


def _messages() -> list[hs.Message]:
    rows = MIXER + FUMES + OTHER_FUMES + SINGLES
    return [
        hs.Message(id=str(i), title=t, text=b, at=T0 + timedelta(days=2 * i), user=f"u{i}", likes=i)
        for i, (t, b) in enumerate(rows)
    ]


def _groups(messages: list[hs.Message]) -> set[frozenset[str]]:
    return {frozenset(messages[i].id for i in c) for c in hs.cluster(messages, PARAMS) if len(c) > 1}


def test_places_are_extracted_without_prefixes() -> None:
    assert hs.places("A5区劳动东路魅力之城小区油烟扰民")[:2] == ["劳动东路", "魅力之城"]
    assert "丽发新城" in hs.places("投诉A2区丽发新城附近修建搅拌站")
    assert hs.district("A市经开区泉星公园") == "经开区"


def test_real_division_names_are_prefixes_not_places() -> None:
    # 城 ends place names (魅力之城), so without care 上城区 would leave the fragment 区紫阳街道 behind.
    assert hs.places("杭州市上城区紫阳街道某超市出售过期食品") == ["紫阳街道"]
    assert hs.places("西湖区文三路口井盖松动") == ["文三路"]
    assert hs.places("新城区花园路积水") == ["花园路"]
    assert hs.places("农贸市场乱收费") == ["农贸市场"]
    assert hs.places("小区门口垃圾成堆") == []


def test_same_problem_same_place_clusters_and_other_places_stay_apart() -> None:
    msgs = _messages()
    assert _groups(msgs) == {frozenset({"0", "1", "2", "3"}), frozenset({"4", "5"})}


def test_same_problem_outside_the_time_window_is_another_issue() -> None:
    msgs = _messages()
    late = [hs.Message("late", MIXER[0][0], MIXER[0][1], T0 + timedelta(days=400), "u99")]
    groups = _groups(msgs + late)
    assert not any("late" in g for g in groups)


def test_heat_ranks_bigger_issue_first_and_tables_have_the_task_columns() -> None:
    msgs = _messages()
    issues = hs.rank(msgs, PARAMS, top=5)
    assert [h.n_messages for h in issues] == [4, 2]
    top = issues[0]
    assert top.rank == 1
    assert "丽发新城" in top.place
    assert top.heat > issues[1].heat
    table = hs.issue_table(issues)
    assert list(table[0]) == ["热度排名", "问题ID", "热度指数", "时间范围", "地点/人群", "问题描述"]
    details = hs.message_table(issues, msgs)
    assert len(details) == 6
    assert details[0]["问题ID"] == 1


def test_heat_grows_with_reporters_and_votes() -> None:
    base = [hs.Message(str(i), "t", "x", T0 + timedelta(days=i), "same") for i in range(4)]
    many = [hs.Message(str(i), "t", "x", T0 + timedelta(days=i), f"u{i}") for i in range(4)]
    liked = [hs.Message(str(i), "t", "x", T0 + timedelta(days=i), "same", likes=50) for i in range(4)]
    now = T0 + timedelta(days=10)
    h = [hs.heat(hs.heat_components(g, now)) for g in (base, many, liked)]
    assert h[1] > h[0]
    assert h[2] > h[0]


def test_hotspots_command_writes_both_tables(tmp_path: Path) -> None:
    data = tmp_path / "msgs.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"])
        for m in _messages():
            w.writerow([m.id, m.user, m.title, f"{m.at:%Y/%m/%d %H:%M:%S}", m.text, 0, m.likes])
    out = tmp_path / "out"
    args = [
        "hotspots",
        "--data",
        str(data),
        "--text-cols",
        "留言主题,留言详情",
        "--time-col",
        "留言时间",
        "--votes-cols",
        "点赞数,反对数",
        "--user-col",
        "留言用户",
        "--id-col",
        "留言编号",
        "--top",
        "3",
        "--out",
        str(out),
    ]
    result = CliRunner().invoke(offline_app, args)
    assert result.exit_code == 0, result.output
    issues = list(csv.DictReader((out / "hot_issues.csv").open(encoding="utf-8-sig")))
    rows = list(csv.DictReader((out / "hot_issue_messages.csv").open(encoding="utf-8-sig")))
    assert issues[0]["热度排名"] == "1"
    assert len(rows) == 6
    assert (out / "hot_issues.md").read_text(encoding="utf-8").startswith("# 热点问题")


def test_duplicates_command(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(
        "id,text\n1,西湖区文三路垃圾堆放三天无人清理臭味很大\n2,西湖区文三路垃圾堆放三天无人清理，臭味很大\n"
        "3,公积金贷款额度如何计算\n",
        encoding="utf-8",
    )
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(
        offline_app, ["duplicates", "--data", str(data), "--text-cols", "text", "--id-col", "id", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pairs = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert [(p["id"], p["duplicate_of"], p["decision"]) for p in pairs] == [("2", "1", "auto_merge")]


def _background(n: int, days: int) -> list[hs.Message]:
    """Varied messages (many places × problems) spread over `days`, so that n-gram statistics are realistic."""
    estates = ["幸福小区", "和平路", "光明市场", "学院路", "东风新村",
               "金桂园", "望城大道", "湘江花园", "红星社区", "枫林路"]
    problems = ["垃圾堆积无人清运", "井盖缺失很危险", "夜间施工扰民", "路灯不亮", "摊贩占道经营", "停车位不足",
                "自来水水压不足", "电梯经常故障", "物业乱收费", "下水道堵塞"]
    return [
        hs.Message(f"b{i}", f"{estates[i % 10]}{problems[(i * 7 // 10) % 10]}",
                   f"{estates[i % 10]}{problems[(i * 7 // 10) % 10]}，{problems[(i * 3) % 10]}，请相关部门处理。",
                   T0 + timedelta(hours=(i * 7919) % (24 * days)), f"b{i}")
        for i in range(n)
    ]


def test_one_place_named_for_years_gives_only_time_local_clusters() -> None:
    # 300 messages on one estate's mixer over three years: chains of 120-day pairs would glue them into one
    # three-year "issue"; clusters must stay within max_span_days instead, and still be issues, not singletons.
    p = hs.HotspotParams(standardise=False)
    mixer = [
        hs.Message(str(i), MIXER[i % 3][0], MIXER[i % 3][1], T0 + timedelta(hours=88 * i), f"u{i}")
        for i in range(300)
    ]
    msgs = mixer + _background(2000, 3 * 365)
    groups = hs.cluster(msgs, p)
    assert sorted(i for g in groups for i in g) == list(range(len(msgs)))
    on_mixer = [g for g in groups if any(i < 300 for i in g)]
    assert all(max(g) < 300 for g in on_mixer)
    spans = [(max(msgs[i].at for i in g) - min(msgs[i].at for i in g)).days for g in on_mixer]
    assert max(spans) <= p.max_span_days
    assert sum(len(g) for g in on_mixer if len(g) >= 20) >= 250


def test_two_bursts_a_year_apart_are_two_issues() -> None:
    p = hs.HotspotParams(standardise=False)
    burst = [T0 + timedelta(days=d) for d in range(0, 40, 4)]
    later = [T0 + timedelta(days=400 + d) for d in range(0, 20, 4)]
    msgs = [
        hs.Message(str(i), MIXER[i % 3][0], MIXER[i % 3][1], at, f"u{i}") for i, at in enumerate(burst + later)
    ]
    issues = hs.rank(msgs, p, top=5)
    assert [h.n_messages for h in issues] == [10, 5]
    assert all(h.end - h.start <= timedelta(days=40) for h in issues)
