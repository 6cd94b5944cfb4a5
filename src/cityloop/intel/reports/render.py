"""Rendering of area reports: Markdown, and self-contained HTML with inline SVG charts (printable, no network)."""

from __future__ import annotations

from functools import lru_cache
from importlib.resources import files

from jinja2 import Environment, Template, select_autoescape

from cityloop.intel.reports import svg_charts
from cityloop.intel.reports.service import ReportData, fmt, headline


def _period(data: ReportData) -> str:
    b = data.bounds
    return b.start.isoformat() if b.start == b.end else f"{b.start.isoformat()} – {b.end.isoformat()}"


def _table(head: list[str], rows: list[list[str]]) -> list[str]:
    def cell(value: str) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return out + ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def markdown(data: ReportData) -> str:
    """The report as Markdown."""
    t = data.t
    b = data.bounds
    lines = [f"# {data.area} {data.title}", "",
             f"{t('统计周期', 'Period')}: {_period(data)} · {t('对比', 'Compared with')}: "
             f"{b.prev_start.isoformat()} – {b.prev_end.isoformat()} · "
             f"{t('生成时间', 'Generated')}: {data.generated_at:%Y-%m-%d %H:%M} UTC", "",
             f"## {t('一、核心指标', '1. Key figures')}", ""]
    lines += _table([t("指标", "Figure"), t("本期", "This period"), t("上期", "Previous"), t("变化", "Change")],
                    [[r["label"], r["value"], r["previous"], r["delta"]] for r in headline(data)])
    lines += ["", f"## {t('二、受理趋势', '2. Daily volumes')}", ""]
    lines += _table([t("日期", "Day"), t("受理量", "Received"), t("办结量", "Completed"), t("超期数", "Overdue")],
                    [[str(r.key), fmt("received", r.received), fmt("completed", r.completed),
                      fmt("overdue_count", r.overdue_count)] for r in data.trend])
    lines += ["", f"## {t('三、问题类别 Top', '3. Top categories')}", ""]
    lines += _table([t("类别", "Category"), t("受理量", "Received"), t("超期数", "Overdue"),
                     t("按期办结率", "On-time completion")],
                    [[r.label, fmt("received", r.received), fmt("overdue_count", r.overdue_count),
                      fmt("on_time_completion_rate", r.on_time_completion_rate)] for r in data.categories])
    lines += ["", f"## {t('四、区域分布', '4. Areas')}", ""]
    lines += _table([t("区域", "Area"), t("受理量", "Received"), t("超期数", "Overdue"), t("满意率", "Satisfaction")],
                    [[r.label, fmt("received", r.received), fmt("overdue_count", r.overdue_count),
                      fmt("satisfaction_rate", r.satisfaction_rate)] for r in data.areas])
    lines += ["", f"## {t('五、热点问题', '5. Hot issues')}", ""]
    lines += _table([t("排名", "Rank"), t("热度", "Heat"), t("地点", "Place"), t("问题描述", "Issue"),
                     t("件数", "Cases"), t("时间范围", "Span")],
                    [[str(h["rank"]), f"{h['heat']:.1f}", h["place"], h["description"], str(h["n_messages"]),
                      f"{h['start'][:10]} – {h['end'][:10]}"] for h in data.hot]) if data.hot else \
        [t("本期无热点问题。", "No hot issues in this period.")]
    lines += ["", f"## {t('六、预警', '6. Early warnings')}", ""]
    if data.alerts:
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(data.alert_counts.items()))
        lines += [f"{t('预警总数', 'Alerts')}: {sum(data.alert_counts.values())} ({counts})", ""]
        lines += _table([t("日期", "Day"), t("预警", "Alert"), t("状态", "State")],
                        [[a["day"], a["title"], a["state_label"]] for a in data.alerts])
    else:
        lines.append(t("本期无预警。", "No alerts in this period."))
    lines += ["", f"## {t('七、办理最慢的单位', '7. Slowest units')}", ""]
    lines += _table([t("单位", "Unit"), t("平均办理时长（小时）", "Avg handling hours"), t("超期数", "Overdue"),
                     t("办结量", "Completed")],
                    [[r.label, fmt("avg_handling_hours", r.avg_handling_hours), fmt("overdue_count", r.overdue_count),
                      fmt("completed", r.completed)] for r in data.slowest_units])
    return "\n".join(lines) + "\n"


@lru_cache(maxsize=1)
def _template() -> Template:
    env = Environment(autoescape=select_autoescape(default=True), trim_blocks=True, lstrip_blocks=True)
    source = files("cityloop.intel").joinpath("data/report.html.j2").read_text(encoding="utf-8")
    return env.from_string(source)


def charts(data: ReportData) -> dict[str, object]:
    """The report's inline SVG charts."""
    t = data.t
    days = [str(r.key) for r in data.trend]
    return {
        "trend": svg_charts.line_chart(days, {t("受理量", "Received"): [r.received for r in data.trend],
                                              t("办结量", "Completed"): [r.completed for r in data.trend]}),
        "categories": svg_charts.bar_chart([(r.label, r.received) for r in data.categories]),
        "areas": svg_charts.bar_chart([(r.label, r.received) for r in data.areas], colour=svg_charts.PALETTE[2]),
        "units": svg_charts.bar_chart([(r.label, r.avg_handling_hours or 0.0) for r in data.slowest_units],
                                      colour=svg_charts.PALETTE[1], unit="h"),
    }


def html(data: ReportData) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG; prints on A4)."""
    return _template().render(d=data, t=data.t, period=_period(data), kpis=headline(data), charts=charts(data),
                              fmt=fmt)
