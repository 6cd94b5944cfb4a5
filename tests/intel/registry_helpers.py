"""Shared pieces of the registry tests: synthetic labelled texts, tiny models, finished cases."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from cityloop.cases import workflow
from cityloop.cases.models import Case
from cityloop.cases.schemas import ActionIn
from cityloop.config import get_settings
from cityloop.intel.classify import model as classify
from cityloop.kit.auth import SYSTEM

# Leaf categories of builders.TAXONOMY_CSV with phrases only they use.
PHRASES: dict[str, list[str]] = {
    "010101": ["摊贩占道经营", "流动摊点摆摊占用人行道", "夜市小贩占道摆摊", "水果摊占道经营影响通行"],
    "010201": ["垃圾桶满了没人清运", "生活垃圾堆积多日未清运", "垃圾清运不及时臭味很大", "垃圾站垃圾溢出没人收"],
    "020101": ["物业公司乱收物业费", "物业不作为电梯坏了不修", "物业服务差保安不管事", "物业费上涨业主不满"],
    "030101": ["路面井盖缺失很危险", "窨井盖丢失有人掉下去", "井盖破损松动车辆经过", "雨水井盖不见了"],
}
PLACES = ["北山街道某小区", "西湖区文三路", "学院路口", "保俶路"]
# Where the responsibility list of builders routes each leaf for a case in builders.STREET.
UNIT_OF_LEAF = {"010101": "street", "010201": "chengguan", "020101": "zhujian", "030101": "chengguan"}
CONFIDENT_TEXT = ("井盖缺失", "我家门口路面的井盖缺失了，窨井盖丢失很危险")
VAGUE_TEXT = ("咨询", "请问一下这个事情应该找哪里办理")


def labelled(places: int = 4) -> tuple[list[str], list[str]]:
    """Synthetic (texts, leaf codes): every phrase at the first `places` places."""
    texts, labels = [], []
    for code, phrases in PHRASES.items():
        for phrase in phrases:
            for place in PLACES[:places]:
                texts.append(f"{place}{phrase}\n{place}附近{phrase}，请尽快处理。")
                labels.append(code)
    return texts, labels


def train_dir(directory: Path, labels_map: dict[str, str] | None = None) -> Path:
    """Train a tiny classifier on the synthetic texts (labels optionally renamed) and save it."""
    texts, labels = labelled()
    if labels_map:
        labels = [labels_map[y] for y in labels]
    model = classify.train(texts, labels, classify.ClassifierParams(calibration_cv=3))
    return classify.save(model, directory)


def finish(session: Session, case: Case) -> Case:
    """Drive an auto-dispatched case through sign, complete and verify (system acts for every role)."""
    workflow.perform(session, SYSTEM, case.id, "sign", ActionIn())
    workflow.perform(session, SYSTEM, case.id, "complete", ActionIn(reply="已处理完毕，现场已清理"))
    return workflow.perform(session, SYSTEM, case.id, "verify", ActionIn(passed=True))


def use_model_dir(monkeypatch: pytest.MonkeyPatch, directory: Path) -> Path:
    """Point Settings.model_dir at a temporary directory (never the repository's var/)."""
    monkeypatch.setenv("CITYLOOP_MODEL_DIR", str(directory))
    get_settings.cache_clear()
    return directory


def mount(client: TestClient) -> None:
    """Mount the intel router on the test app (until app.py includes it, then this is a no-op)."""
    from cityloop.intel.registry.routes import router

    app = client.app
    assert isinstance(app, FastAPI)
    if not any(getattr(r, "path", "") == "/api/v1/intel/models" for r in app.routes):
        app.include_router(router)
