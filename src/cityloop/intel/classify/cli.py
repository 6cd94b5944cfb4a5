"""`cityloop intel` commands: train, evaluate and query text classifiers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from cityloop.intel import text as textmod
from cityloop.intel.classify import model as classify

app = typer.Typer(help="Text intelligence: category and unit classifiers.", no_args_is_help=True)

DataOpt = Annotated[Path, typer.Option("--data", exists=True, dir_okay=False, help="CSV or XLSX file.")]
TextColsOpt = Annotated[str, typer.Option("--text-cols", help="Comma-separated text columns, joined in order.")]
LabelColOpt = Annotated[str, typer.Option("--label-col", help="Column holding the label (category, unit…).")]
ModelOpt = Annotated[Path, typer.Option("--model", exists=True, file_okay=False, help="Model directory.")]


def _cols(spec: str) -> list[str]:
    cols = [c.strip() for c in spec.split(",") if c.strip()]
    if not cols:
        raise typer.BadParameter("at least one column is required", param_hint="--text-cols")
    return cols


def _load(path: Path, text_cols: str, label_col: str) -> tuple[list[str], list[str]]:
    try:
        return classify.load_labelled(path, _cols(text_cols), label_col)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from exc


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@app.command()
def train(
    data: DataOpt,
    text_cols: TextColsOpt,
    label_col: LabelColOpt,
    out: Annotated[Path, typer.Option("--out", file_okay=False, help="Directory to write the model to.")],
    extra: Annotated[
        list[Path] | None,
        typer.Option("--extra", exists=True, dir_okay=False, help="More labelled files with the same columns."),
    ] = None,
    user_dict: Annotated[
        Path | None, typer.Option("--user-dict", exists=True, dir_okay=False, help="jieba user dictionary.")
    ] = None,
    holdout: Annotated[
        float, typer.Option(min=0.0, max=0.5, help="Share held out to measure metrics before the final fit.")
    ] = 0.2,
    threshold: Annotated[
        float, typer.Option(min=0.0, max=1.0, help="Confidence below which cases go to the dispatcher.")
    ] = classify.DEFAULT_THRESHOLD,
    max_chars: Annotated[
        int, typer.Option(min=0, help="Characters of each text used (0 = all).")
    ] = classify.ClassifierParams.max_chars,
) -> None:
    """Train a classifier from labelled tables and save it as a model directory."""
    if user_dict is not None:
        textmod.load_user_dict(user_dict)
    texts, labels = _load(data, text_cols, label_col)
    for path in extra or []:
        more_texts, more_labels = _load(path, text_cols, label_col)
        texts += more_texts
        labels += more_labels
    if len(set(labels)) < 2:
        raise typer.BadParameter("training needs at least two distinct labels", param_hint="--label-col")
    params = classify.ClassifierParams(max_chars=max_chars)
    model = classify.train(texts, labels, params, holdout=holdout, threshold=threshold)
    model.metadata["sources"] = [str(p) for p in [data, *(extra or [])]]
    model.metadata["text_cols"] = _cols(text_cols)
    model.metadata["label_col"] = label_col
    classify.save(model, out)
    metrics = model.metadata["metrics"]
    _echo_json(
        {
            "out": str(out),
            "n_train": len(texts),
            "labels": model.labels,
            "macro_f1": metrics.get("macro_f1"),
            "accuracy": metrics.get("accuracy"),
        }
    )


@app.command()
def evaluate(model: ModelOpt, data: DataOpt, text_cols: TextColsOpt, label_col: LabelColOpt) -> None:
    """Measure a model on labelled data; print one JSON object of metrics."""
    clf = classify.load(model)
    texts, labels = _load(data, text_cols, label_col)
    if not texts:
        raise typer.BadParameter("no labelled rows found", param_hint="--data")
    textmod.tokenizer()  # load the dictionary before the clock starts: throughput is per message
    _echo_json(classify.evaluate(clf, texts, labels))


@app.command(name="classify")
def classify_text(
    model: ModelOpt,
    text: Annotated[str, typer.Argument(help="Raw message text (title and body).")],
    k: Annotated[int, typer.Option("--k", min=1, help="Number of suggestions.")] = 3,
) -> None:
    """Print the top-k labels of one text as JSON [{label, probability}]."""
    clf = classify.load(model)
    _echo_json([{"label": s.label, "probability": s.probability} for s in clf.suggest(text, k)])


def _register_offline() -> None:
    """Add the analytics commands (duplicates, hotspots, reply-quality, warnings) to `cityloop intel`."""
    from cityloop.intel.offline_cli import offline_app

    app.registered_commands += offline_app.registered_commands


_register_offline()


def _register_registry() -> None:
    """Add the model registry commands (retrain, models, activate, register) to `cityloop intel`."""
    from cityloop.intel.registry.cli import attach

    attach(app)


_register_registry()
