"""Uploads, and files served from disk. The site's only file upload is the bank's GIFT import (`grep -rn "FileField\\|request.files"
lit_platform` finds nothing else; courses and user lists are read from the server by the `lit` command).

A file over the size cap is refused with a clear page (413), a file that is not UTF-8 text is refused
with a message whatever its name, and the uploaded file's name is never used as a path. Course images
(the one route that serves files from disk) never reach outside a course's folder.
"""
from __future__ import annotations

import io
import os
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ..conftest import Actions


@pytest.fixture
def librarian_client(sign_in):
    client, _ = sign_in("librarian")
    return client


def upload(client, content: bytes, filename: str):
    """Post the file as a browser does; the body is built in memory (the test client would spool a big one to a
    temporary file that a refused request never closes)."""
    token = Actions(client).token("/bank/gift/import")
    boundary, body = encode_multipart(MultiDict({"csrf_token": token, "category": "0",
                                                 "file": FileStorage(io.BytesIO(content), filename)}))
    return client.post("/bank/gift/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def png_bytes() -> bytes:
    """A real 1x1 PNG."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\x00\x00")) + chunk(b"IEND", b""))


def zip_bytes(stored: bool) -> bytes:
    """A zip of a GIFT file; stored uncompressed, its bytes are valid UTF-8 (with NUL and control bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("questions.txt", "::Q1:: PubMed searches MEDLINE. {T}\n" * 20)
    return buffer.getvalue()


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_a_file_over_the_size_cap_gets_a_clear_413_page(app, librarian_client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert limit and limit <= 10 * 1024 * 1024, "uploads need a size cap (LIT_MAX_UPLOAD_BYTES)"
    response = upload(librarian_client, b"x" * (limit + 1), "big.txt")
    assert response.status_code == 413
    assert "Too large to send" in text_of(response) and "Traceback" not in text_of(response)
    # The cap holds for every form, signed in or not.
    response = app.test_client().post("/account/login", data={"email": "x" * (limit + 1)})
    assert response.status_code == 413


@pytest.mark.parametrize("content, name", [
    (png_bytes(), "questions.txt"),
    (zip_bytes(stored=False), "questions.txt"),
    (zip_bytes(stored=True), "questions.gift"),
    ("::Q:: A UTF-16 file {T}".encode("utf-16"), "questions.txt"),
    (b"\x00" * 64 + b"::Q:: NUL bytes {T}", "questions.txt"),
    (b"::Q:: A NUL\x00 in the text {T}", "questions.txt"),
    (b"\x7fELF\x02\x01\x01" + bytes(range(256)) * 4, "questions.txt"),
], ids=["png", "zip", "stored-zip", "utf-16", "nul-bytes", "nul-in-text", "executable"])
def test_a_binary_file_renamed_txt_is_refused_with_a_message(librarian_client, content, name):
    response = upload(librarian_client, content, name)
    assert response.status_code < 500
    page = text_of(response)
    assert "This file is not plain text" in page, page[-2000:]
    assert "questions imported" not in page


def test_a_text_file_is_still_imported(librarian_client):
    response = upload(librarian_client, b"::Q1:: PubMed searches MEDLINE. {T}\n", "questions.txt")
    assert response.status_code == 200 and "1 question imported" in text_of(response)


def snapshot(*folders: Path) -> set[str]:
    found = set()
    for folder in folders:
        for root, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if d not in (".git", "__pycache__", "node_modules", ".pytest_cache")]
            found.update(os.path.join(root, name) for name in files)
    return found


@pytest.mark.parametrize("filename", ["../../etc/passwd", "..\\..\\x.txt", "/tmp/lit-upload-{marker}.txt",
                                      "../../../../../../tmp/lit-upload-{marker}.txt", "C:\\Windows\\x.txt",
                                      "instance/lit-upload-{marker}.sqlite3", "con.txt\x00.png"])
def test_the_uploaded_name_is_never_used_as_a_path(app, librarian_client, filename, tmp_path):
    marker = uuid.uuid4().hex
    filename = filename.format(marker=marker)
    root = Path(app.root_path).parent
    watched = [root, Path(app.instance_path), Path("/tmp")]
    before = snapshot(*watched)
    passwd = Path("/etc/passwd").read_bytes()
    response = upload(librarian_client, b"::Q1:: PubMed searches MEDLINE. {T}\n::Q2:: Broken {=a ~b\n", filename)
    assert response.status_code == 200
    created = {path for path in snapshot(*watched) - before if marker in path or "lit-upload" in path
               or path.endswith(("passwd", "x.txt", "con.txt"))}
    assert not created, f"the upload created {created}"
    assert Path("/etc/passwd").read_bytes() == passwd
    assert not list(Path("/tmp").glob(f"*{marker}*"))


@pytest.mark.parametrize("slug", ["..", "%2E%2E", ".", "%2e"])
def test_course_files_stay_inside_a_course_folder(app, client, tmp_path, slug):
    """Course images are served from LIT_COURSES_PATH/<slug>/images/ only: no slug reaches the folders above."""
    courses = tmp_path / "courses"
    (courses / "demo" / "images").mkdir(parents=True)
    (courses / "demo" / "images" / "venn.svg").write_text("<svg/>")
    (tmp_path / "images").mkdir()
    (tmp_path / "images" / "private.png").write_bytes(b"\x89PNG private")
    (courses / "images").mkdir()
    (courses / "images" / "private.png").write_bytes(b"\x89PNG private")
    app.config["LIT_COURSES_PATH"] = str(courses)
    assert client.get("/courses/demo/files/images/venn.svg").status_code == 200
    response = client.get(f"/courses/{slug}/files/images/private.png")
    assert response.status_code == 404 and b"private" not in response.get_data()
