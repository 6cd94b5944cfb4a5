"""Behaviour of the Chinese text pipeline: normalisation, segmentation, stop words, user dictionary."""

from __future__ import annotations

from pathlib import Path

import pytest

from cityloop.intel import text


def test_normalize_folds_full_width_and_collapses_whitespace() -> None:
    assert text.normalize("Ａ３区　　和平路１２号\n\t门口") == "A3区 和平路12号 门口"


@pytest.mark.parametrize(
    "raw",
    [
        "尊敬的领导您好！小区门口垃圾成堆。谢谢！",
        "尊敬的王书记：小区门口垃圾成堆。此致 敬礼",
        "您好，小区门口垃圾成堆，非常感谢您的关注！",
    ],
)
def test_normalize_strips_greetings_and_sign_offs(raw: str) -> None:
    out = text.normalize(raw)
    assert "小区门口垃圾成堆" in out
    for word in ("尊敬", "领导", "书记", "您好", "谢谢", "感谢", "敬礼"):
        assert word not in out


def test_normalize_can_keep_boilerplate() -> None:
    assert "您好" in text.normalize("您好，路灯坏了", strip_boilerplate=False)


def test_presegmented_detection() -> None:
    assert text.is_presegmented("小区 物业 乱 收费 业主 投诉")
    assert not text.is_presegmented("小区物业乱收费，业主投诉 无果")
    assert not text.is_presegmented("路灯")
    assert not text.is_presegmented("小区物业乱收费业主投诉无果")


def test_tokenize_raw_drops_stop_words_and_punctuation() -> None:
    tokens = text.tokenize("我们小区的垃圾没有人清理！！")
    assert "垃圾" in tokens
    assert "清理" in tokens
    assert not {"的", "我们", "没有", "！", "!"} & set(tokens)


def test_tokenize_presegmented_keeps_given_tokens() -> None:
    assert text.tokenize("小区 垃圾 的 无人 清理 ，") == ["小区", "垃圾", "无人", "清理"]


def test_raw_and_presegmented_forms_give_same_tokens() -> None:
    raw = "小区门口垃圾堆积无人清理，臭味扰民"
    presegmented = " ".join(text.segment(raw))
    assert text.tokenize(raw) == text.tokenize(presegmented)


def test_tokenize_truncates_long_texts() -> None:
    assert len("".join(text.tokenize("垃圾清理" * 200, max_chars=40))) <= 40


def test_add_words_keeps_names_whole() -> None:
    name = "鑫垚苑璟庭"
    assert name not in text.segment(f"{name}小区停水三天")
    assert text.add_words([name, " "]) == 1
    assert name in text.segment(f"{name}小区停水三天")
    assert name in text.user_words()


def test_load_user_dict_reads_jieba_format(tmp_path: Path) -> None:
    path = tmp_path / "dict.txt"
    path.write_text("# units\n淼犇街道办 10 nt\n燚垚社区\n\n", encoding="utf-8")
    assert text.load_user_dict(path) == 2
    assert "淼犇街道办" in text.segment("淼犇街道办不作为")


def test_stop_words_are_packaged_without_comments() -> None:
    words = text.stopwords()
    assert {"的", "了", "我们"} <= words
    assert not any(w.startswith("#") for w in words)
    assert "垃圾" not in words


def test_tokenizer_is_shared_and_caches_outside_the_package() -> None:
    assert text.tokenizer() is text.tokenizer()
    package_dir = Path(text.__file__).parent
    assert package_dir not in text.cache_dir().parents
    assert not list(package_dir.glob("*.cache"))


SEGMENTATION_SAMPLES = [
    "小区门口垃圾堆积无人清理，臭味扰民",
    "A市西湖区2019年12月3日，WiFi信号差abc 12 x1y2，请尽快处理！！",
    "关于K8路公交车站点设置不合理的问题\n\t建议增设站点   谢谢",
    "中文ABC测试\u9fe0字 ab  \r\n 龘靐齉",
    "",
    " ",
    "的",
]


def _reference_tokenizer():  # type: ignore[no-untyped-def]
    import jieba

    ref = jieba.Tokenizer()
    ref.tmp_dir = str(text.cache_dir())
    ref.initialize()
    for word, (freq, tag) in text._user_words.items():
        ref.add_word(word, freq, tag)
    return ref


@pytest.mark.parametrize("hmm", [True, False])
def test_fast_segmentation_matches_jieba(hmm: bool) -> None:
    text.add_words(["西湖区"])
    ref = _reference_tokenizer()
    for sample in SEGMENTATION_SAMPLES:
        expected = [w for w in ref.lcut(sample, HMM=hmm) if not w.isspace()]
        assert text.segment(sample, hmm=hmm) == expected, sample
