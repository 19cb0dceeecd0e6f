"""Every mistake a user can make with the data or the outputs gets a message."""

import dataclasses
import io
import json
import os
import pickle
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import write_tiny_dataset

from kernel import data, report
from kernel.main import example_rows, main, optional_word_index, run


def ragged(*reviews):
    """An object array of lists, as Keras stores reviews."""
    array = np.empty(len(reviews), dtype=object)
    array[:] = [list(review) for review in reviews]
    return array


GOOD = {
    "x_train": ragged([1, 2], [3]),
    "y_train": np.array([0, 1]),
    "x_test": ragged([4], [5, 6]),
    "y_test": np.array([1, 0]),
}


def write_npz(path, **changes):
    """An imdb.npz with some arrays changed (None drops the key)."""
    arrays = {**GOOD, **changes}
    np.savez(path, **{key: value for key, value in arrays.items() if value is not None})
    return path


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"y_test": None}, "missing y_test; found x_test, x_train, y_train"),
        ({"y_train": np.array([0, 1, 1])}, "x_train holds 2 reviews but y_train 3"),
        ({"y_train": np.array([0, 5])}, "y_train[1] is 5; labels must be 0 or 1"),
        ({"y_test": np.array([0.5, 1.0])}, "y_test[0] is 0.5; labels must be 0 or 1"),
        ({"x_train": ragged([1, 2], [3, -1])}, "x_train[1] is not a list of non-neg"),
        ({"x_test": ragged([1], ["a"])}, "x_test[1] is not a list of non-negative"),
        ({"x_test": ragged([1.5], [2])}, "x_test[0] is not a list of non-negative"),
        ({"x_train": np.array([[1, 2], [3, 4]])}, "x_train must be a 1-D array"),
    ],
    ids=[
        "missing-key",
        "lengths-differ",
        "label-not-binary",
        "label-fraction",
        "negative-index",
        "word-as-text",
        "index-fraction",
        "padded-matrix",
    ],
)
def test_malformed_npz_is_refused_naming_key_and_item(tmp_path, changes, message):
    path = write_npz(tmp_path / "imdb.npz", **changes)
    with pytest.raises(data.DataError) as refused:
        data.read_npz(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


def nothing(tiny_data_dir, path):
    return path


def folder(tiny_data_dir, path):
    path.mkdir()
    return path


def empty_file(tiny_data_dir, path):
    path.write_bytes(b"")
    return path


def truncated_copy(tiny_data_dir, path):
    whole = (tiny_data_dir / "imdb.npz").read_bytes()
    path.write_bytes(whole[: len(whole) // 2])
    return path


def text_file(tiny_data_dir, path):
    path.write_text("x_train,y_train\n")
    return path


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (nothing, "no such file; check the path"),
        (folder, "is a folder, expected the imdb.npz file"),
        (empty_file, "the file is empty; download it again"),
        (truncated_copy, "not a readable .npz archive"),
        (text_file, "not a readable .npz archive"),
    ],
    ids=["missing", "folder", "empty", "truncated", "not-a-zip"],
)
def test_bad_data_path_is_refused_naming_the_file(
    tiny_data_dir, tmp_path, capsys, make, message
):
    path = make(tiny_data_dir, tmp_path / "imdb.npz")
    status = main(["--data", str(path), "--output-dir", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert status == 1
    assert error.startswith(f"error: {path}")
    assert message in error
    assert "Traceback" not in error


class Exploit:
    """Pickles to a call that creates a marker folder when unpickled."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def crafted_npz(path, marker):
    """An imdb.npz whose x_train unpickles an `os.mkdir` call, not a list."""
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(
        header, {"descr": "|O", "fortran_order": False, "shape": (1,)}
    )
    with zipfile.ZipFile(write_npz(path)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["x_train.npy"] = header.getvalue() + pickle.dumps(Exploit(marker))
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_a_crafted_pickle_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = crafted_npz(tmp_path / "imdb.npz", marker)
    with pytest.raises(
        data.DataError, match="x_train.npy is unreadable: refused to load posix.mkdir"
    ):
        data.read_npz(path)
    assert not marker.exists()
    # The same file does run code through numpy's own pickle loading.
    with np.load(path, allow_pickle=True) as archive:
        archive["x_train"]
    assert marker.exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a readable JSON word index"),
        ('["the", "a"]', "expected a JSON object mapping words to ranks"),
        ('{"the": "one"}', "the rank of 'the' is 'one'"),
        ('{"the": 0}', "the rank of 'the' is 0"),
    ],
    ids=["not-json", "a-list", "rank-as-text", "rank-zero"],
)
def test_bad_word_index_is_refused(tmp_path, content, message):
    path = tmp_path / "imdb_word_index.json"
    path.write_text(content)
    with pytest.raises(data.DataError, match=message):
        data.read_word_index(path)


def test_training_works_without_a_word_index(tiny_config, tmp_path, monkeypatch):
    monkeypatch.setattr(data, "KAGGLE_INPUT", tmp_path / "no-kaggle")
    monkeypatch.setattr(data, "download", fail_download)
    config = dataclasses.replace(tiny_config, word_index="", epochs=1)
    assert run(config) == 0
    examples = (Path(config.output_dir) / report.EXAMPLES_FILE).read_text()
    assert examples.count("\n") == 1 + config.example_reviews


def fail_download(name, setting):
    raise data.DataError(f"could not find or download {name}")


def test_examples_fall_back_to_indices_with_a_message(tiny_config, capsys):
    config = dataclasses.replace(tiny_config, word_index="/no/such/index.json")
    word_index = optional_word_index(config)
    assert word_index is None
    assert "No word index, so reviews are shown as word indices" in (
        capsys.readouterr().out
    )
    rows = example_rows([[0, 1, 7]], [1], [0.75], word_index)
    assert rows == [["1 7", 1, "0.7500"]]


def test_an_output_path_that_is_a_file_is_refused(tiny_config, tmp_path, capsys):
    blocker = tmp_path / "output"
    blocker.write_text("keep me")
    status = main(["--output-dir", str(blocker), "--data", tiny_config.data])
    assert status == 1
    assert f"error: {blocker} is a file, not a folder" in capsys.readouterr().err
    assert blocker.read_text() == "keep me"


def test_an_output_folder_that_cannot_be_created_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    status = main(["--output-dir", str(tmp_path / "file" / "output")])
    assert status == 1
    assert "error: cannot write to" in capsys.readouterr().err


def test_an_unwritable_output_folder_is_refused(tmp_path, monkeypatch):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(report.tempfile, "TemporaryFile", read_only)
    with pytest.raises(report.OutputError, match=r"\(Permission denied\); pass a"):
        report.prepare_output_dir(tmp_path / "output", overwrite=False)


def test_metrics_of_an_earlier_run_are_kept_without_overwrite(tiny_config, capsys):
    folder = Path(tiny_config.output_dir)
    folder.mkdir()
    (folder / report.METRICS_FILE).write_text(json.dumps({"earlier": True}))
    status = main(["--output-dir", str(folder), "--data", tiny_config.data])
    assert status == 1
    assert "already holds an earlier run (metrics.json)" in capsys.readouterr().err
    assert json.loads((folder / report.METRICS_FILE).read_text()) == {"earlier": True}


def test_a_run_that_fails_early_keeps_the_earlier_outputs(tmp_path, tiny_config):
    folder = Path(tiny_config.output_dir)
    folder.mkdir()
    (folder / report.METRICS_FILE).write_text("{}")
    bad = tmp_path / "bad.npz"
    bad.write_text("not a zip")
    status = main(["--output-dir", str(folder), "--data", str(bad), "--overwrite"])
    assert status == 1
    assert (folder / report.METRICS_FILE).read_text() == "{}"


def test_tiny_dataset_writer_makes_files_keras_can_read(tmp_path):
    folder = write_tiny_dataset(tmp_path / "again", seed=1)
    assert sorted(os.listdir(folder)) == ["imdb.npz", "imdb_word_index.json"]
