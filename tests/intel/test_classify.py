"""Behaviour of the trainable category classifier, its model directory and the `intel` CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cityloop.intel.classify import model as classify
from cityloop.intel.classify.cli import app

FIXTURE = Path(__file__).parent / "fixtures" / "cases_small.csv"
TEXT_COLS = ["title", "body"]

UNSEEN = {
    "城乡建设": "B3县锦绣小区物业公司乱收物业费，房屋漏水也不维修",
    "环境保护": "化工厂偷排废气和污水，河流污染严重，臭味刺鼻",
    "教育文体": "学校强制学生参加老师的补课班并收取补课费",
    "交通运输": "公交车班次太少，出租车拒载，出行很不方便",
}


@pytest.fixture(scope="module")
def data() -> tuple[list[str], list[str]]:
    return classify.load_labelled(FIXTURE, TEXT_COLS, "label")


@pytest.fixture(scope="module")
def model(data: tuple[list[str], list[str]]) -> classify.TextClassifier:
    texts, labels = data
    return classify.train(texts, labels, holdout=0.25)


def test_load_labelled_joins_text_columns(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    assert len(texts) == len(labels) == 120
    assert set(labels) == set(UNSEEN)
    assert "\n" in texts[0]


def test_predicts_unseen_raw_messages(model: classify.TextClassifier) -> None:
    assert model.predict(list(UNSEEN.values())) == list(UNSEEN)


def test_predicts_presegmented_messages(model: classify.TextClassifier) -> None:
    assert model.predict(["化工厂 偷排 废气 河流 污染 臭味"]) == ["环境保护"]


def test_suggest_returns_sorted_probabilities(model: classify.TextClassifier) -> None:
    ranked = classify.suggest(model, UNSEEN["教育文体"], k=3)
    assert len(ranked) == 3
    assert ranked[0][0] == "教育文体"
    probs = [p for _, p in ranked]
    assert probs == sorted(probs, reverse=True)
    assert all(0.0 <= p <= 1.0 for p in probs)
    assert sum(p for _, p in classify.suggest(model, UNSEEN["教育文体"], k=10)) == pytest.approx(1.0, abs=0.01)


def test_auto_label_sends_doubtful_cases_to_dispatcher(model: classify.TextClassifier) -> None:
    assert classify.auto_label(model, UNSEEN["城乡建设"], threshold=0.0) == "城乡建设"
    assert classify.auto_label(model, UNSEEN["城乡建设"], threshold=1.01) is None


def test_metadata_records_training(model: classify.TextClassifier, data: tuple[list[str], list[str]]) -> None:
    meta = model.metadata
    assert meta["labels"] == sorted(UNSEEN)
    assert meta["training_sha256"] == classify.data_sha256(*data)
    assert meta["n_train"] == 120
    assert 0.0 <= meta["metrics"]["macro_f1"] <= 1.0
    assert meta["params"]["max_chars"] == classify.ClassifierParams().max_chars


def test_save_and_load_round_trip(model: classify.TextClassifier, tmp_path: Path) -> None:
    classify.save(model, tmp_path / "m")
    loaded = classify.load(tmp_path / "m")
    assert loaded.labels == model.labels
    assert loaded.metadata["training_sha256"] == model.metadata["training_sha256"]
    assert loaded.suggest(UNSEEN["交通运输"]) == model.suggest(UNSEEN["交通运输"])
    meta = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    assert {"format_version", "created_at", "metrics", "labels", "params"} <= meta.keys()


def test_evaluate_reports_metrics(model: classify.TextClassifier) -> None:
    result = classify.evaluate(model, list(UNSEEN.values()), list(UNSEEN))
    assert result["macro_f1"] == 1.0
    assert result["n"] == 4
    assert result["msgs_per_s"] > 0
    assert result["per_class"]["环境保护"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 1}


def test_rare_labels_are_left_out(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    trained = classify.train([*texts[:40], "路灯不亮"], [*labels[:40], "市政照明"])
    assert "市政照明" not in trained.labels
    assert trained.metadata["dropped_labels"] == ["市政照明"]


def test_reads_gb18030_csv_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    rows = [("unit", "text", "division"), ("水务局", "停水三天", "A1区"), ("", "无标签", "A2区")]
    csv_path = tmp_path / "history.csv"
    with csv_path.open("w", encoding="gb18030", newline="") as fh:
        csv.writer(fh).writerows(rows)
    book = Workbook()
    for row in rows:
        book.active.append(row)  # type: ignore[union-attr]
    book.save(tmp_path / "history.xlsx")
    for path in (csv_path, tmp_path / "history.xlsx"):
        assert classify.load_labelled(path, ["division", "text"], "unit") == (["A1区\n停水三天"], ["水务局"])


def test_missing_column_is_reported(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="nope"):
        classify.load_labelled(FIXTURE, ["nope"], "label")


def test_cli_train_evaluate_classify(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "model"
    common = ["--data", str(FIXTURE), "--text-cols", "title,body,division", "--label-col", "label"]
    trained = runner.invoke(app, ["train", *common, "--out", str(out)])
    assert trained.exit_code == 0, trained.output
    assert (out / "model.joblib").exists()
    assert json.loads(trained.output)["labels"] == sorted(UNSEEN)

    evaluated = runner.invoke(app, ["evaluate", "--model", str(out), *common])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)
    assert {"macro_f1", "accuracy", "n", "msgs_per_s", "per_class"} <= report.keys()
    assert report["n"] == 120
    assert report["macro_f1"] > 0.9

    classified = runner.invoke(app, ["classify", "--model", str(out), "--k", "2", UNSEEN["环境保护"]])
    assert classified.exit_code == 0, classified.output
    ranked = json.loads(classified.output)
    assert [set(r) for r in ranked] == [{"label", "probability"}] * 2
    assert ranked[0]["label"] == "环境保护"


def test_cli_rejects_unknown_column(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["train", "--data", str(FIXTURE), "--text-cols", "nope", "--label-col", "label", "--out", str(tmp_path)],
    )
    assert result.exit_code != 0


def test_nbsvm_folds_ratios_into_weights() -> None:
    import numpy as np
    import scipy.sparse as sp
    from sklearn.svm import LinearSVC

    rng = np.random.default_rng(0)
    x = sp.csr_matrix(rng.random((60, 12)) * (rng.random((60, 12)) < 0.4))
    y = np.array(["a", "b", "c"] * 20)
    model = classify.NBSVC(c=1.0, class_weight=None).fit(x, y)
    presence = (x > 0).astype(float)
    pos = y == "b"
    p = 1 + np.asarray(presence[pos].sum(axis=0)).ravel()
    q = 1 + np.asarray(presence[~pos].sum(axis=0)).ravel()
    ratio = np.log(p / p.sum()) - np.log(q / q.sum())
    svm = LinearSVC(C=1.0, random_state=0).fit(x @ sp.diags(ratio), pos.astype(int))
    expected = svm.decision_function(x @ sp.diags(ratio))
    assert model.decision_function(x)[:, 1] == pytest.approx(expected, abs=1e-9)
    assert model.coef_.T.flags.c_contiguous  # else every prediction copies the weight matrix
    assert list(model.predict(x[:3])) == list(model.classes_[model.decision_function(x[:3]).argmax(axis=1)])


def test_binary_nbsvm_is_calibrated(data: tuple[list[str], list[str]]) -> None:
    texts, labels = data
    pairs = [(t, y) for t, y in zip(texts, labels, strict=True) if y in {"环境保护", "教育文体"}]
    trained = classify.train([t for t, _ in pairs], [y for _, y in pairs])
    assert isinstance(trained.pipeline.named_steps["clf"].estimator, classify.NBSVC)
    assert trained.predict([UNSEEN["环境保护"], UNSEEN["教育文体"]]) == ["环境保护", "教育文体"]
    assert trained.predict_proba([UNSEEN["环境保护"]]).sum() == pytest.approx(1.0)
