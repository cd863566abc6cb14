"""The corpus helpers (support.corpus): a missing corpus fails collection loudly, naming MICRO_SHARED
and the path, instead of parametrizing a test over nothing."""

import subprocess
import sys

import pytest

from support.corpus import MissingCorpusError, corpus_models, shared_model, shared_models
from support.paths import ROOT


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "models"
    folder.mkdir()
    for name in ("b__1", "a__1", "a__2", "c"):
        (folder / f"{name}.tflite").write_bytes(b"")
    return folder


def test_patterns_give_every_match_once_sorted(corpus):
    assert [p.stem for p in corpus_models("a__*.tflite", "b__*.tflite", "*__1.tflite", folder=corpus)] == [
        "a__1", "a__2", "b__1"]


def test_names_give_paths_in_order(corpus):
    assert shared_models(["c", "a__2"], folder=corpus) == [corpus / "c.tflite", corpus / "a__2.tflite"]
    assert shared_model("b__1", folder=corpus) == corpus / "b__1.tflite"


def test_missing_folder_names_micro_shared_and_the_path(tmp_path, monkeypatch):
    monkeypatch.setenv("MICRO_SHARED", str(tmp_path / "elsewhere"))
    missing = tmp_path / "no_models"
    for lookup in (lambda: corpus_models("*.tflite", folder=missing), lambda: shared_models(["c"], folder=missing)):
        with pytest.raises(MissingCorpusError, match="corpus folder not found") as err:
            lookup()
        assert str(missing) in str(err.value) and f"MICRO_SHARED={tmp_path / 'elsewhere'}" in str(err.value)


def test_pattern_matching_nothing_is_an_error(corpus, monkeypatch):
    monkeypatch.delenv("MICRO_SHARED", raising=False)
    with pytest.raises(MissingCorpusError, match="no model matches 'conv_2d__\\*.tflite'") as err:
        corpus_models("a__*.tflite", "conv_2d__*.tflite", folder=corpus)
    assert str(corpus / "conv_2d__*.tflite") in str(err.value) and "MICRO_SHARED is not set" in str(err.value)


def test_missing_named_model_is_an_error(corpus):
    with pytest.raises(MissingCorpusError, match="expected model not found") as err:
        shared_models(["c", "gone"], folder=corpus)
    assert str(corpus / "gone.tflite") in str(err.value)


def _collect(*args, env_shared) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                           "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(ROOT), *args],
                          capture_output=True, text=True, cwd=ROOT, env={"MICRO_SHARED": str(env_shared),
                                                                        "PATH": "/usr/bin:/bin"})


def test_wrong_micro_shared_fails_collection(tmp_path):
    res = _collect(str(ROOT / "tests" / "ops" / "test_ops_corpus.py"), env_shared=tmp_path)
    assert res.returncode != 0
    assert "MissingCorpusError" in res.stdout and f"MICRO_SHARED={tmp_path}" in res.stdout, res.stdout


def test_empty_parametrization_fails_collection(tmp_path):
    test_file = tmp_path / "test_empty.py"
    test_file.write_text("import pytest\n\n\n@pytest.mark.parametrize('x', [])\ndef test_nothing(x):\n    pass\n")
    res = _collect(str(test_file), env_shared=tmp_path)
    assert res.returncode != 0 and "Empty parameter set" in res.stdout, res.stdout
