"""Reading documents from files: exact text, clear errors, and which files a folder holds."""

from __future__ import annotations

import codecs
import json
import os
from pathlib import Path

import docx
import pytest
from pypdf import PdfWriter

from unannotate.core.errors import InputError
from unannotate.core.model import NewDocument
from unannotate.formats.documents import (
    SUPPORTED_SUFFIXES,
    decode_text,
    iter_files,
    read_documents,
)

# --- helpers ---------------------------------------------------------------------------------


def read_one(path: Path) -> NewDocument:
    documents = list(read_documents(path))
    assert len(documents) == 1
    return documents[0]


def read_error(path: Path, **options: object) -> InputError:
    with pytest.raises(InputError) as caught:
        list(read_documents(path, **options))  # type: ignore[arg-type]
    return caught.value


def write(tmp_path: Path, name: str, data: bytes | str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


def pdf_bytes(page_contents: list[bytes]) -> bytes:
    """A minimal PDF: one page per content stream, Helvetica as font /F1."""
    count = len(page_contents)
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, content in enumerate(page_contents):
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def text_page(words: bytes) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (" + words + b") Tj ET"


# --- plain text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "First line\r\nsecond line\r\n",
        "old Mac\rline endings\r",
        "mixed\r\nendings\nand\rmore",
        "emoji 👍🏽 and 🇺🇳 flags, astral 𝔘𝔑 and 😀",
        "combining: e\u0301 n\u0303 (not normalised) and precomposed \u00e9",
        "tabs\tinside\ttext\t",
        "  \n\n  leading and trailing whitespace kept \t \n\n",
        "zero\u200bwidth and no\u00a0break space",
    ],
)
def test_text_file_is_kept_exactly(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "doc.txt", text)
    document = read_one(path)
    assert document.text == text
    assert document.source == str(path)
    assert document.language is None
    assert document.line is None
    assert document.meta == {}


def test_title_is_first_non_empty_line_stripped(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.txt", "\n   \n  Security Council meets  \nbody\n")
    assert read_one(path).title == "Security Council meets"


def test_long_title_is_cut_at_120_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.txt", "word " * 60)
    title = read_one(path).title
    assert len(title) <= 120
    assert title.endswith("…")
    assert title.startswith("word word")


def test_utf8_bom_is_removed(tmp_path: Path) -> None:
    path = write(tmp_path, "doc.txt", codecs.BOM_UTF8 + "Café\r\n".encode())
    assert read_one(path).text == "Café\r\n"


@pytest.mark.parametrize(
    ("bom", "encoding"),
    [
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
    ],
)
def test_utf16_and_utf32_with_bom(tmp_path: Path, bom: bytes, encoding: str) -> None:
    text = "Genève\r\n😀 déclaration\n"
    path = write(tmp_path, "doc.txt", bom + text.encode(encoding))
    assert read_one(path).text == text


def test_latin1_bytes_give_a_clear_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "old.txt", "café".encode("latin-1"))
    error = read_error(path)
    assert error.path == str(path)
    assert error.line is None
    assert "0xe9" in error.reason
    assert "offset 3" in error.reason
    assert "save it as UTF-8" in error.reason
    assert str(path) in str(error)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06"
    error = read_error(write(tmp_path, "image.txt", png))
    assert error.reason == "binary file, not text"


def test_utf16_without_bom_is_named(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "doc.txt", "Hello, world".encode("utf-16-le")))
    assert "UTF-16" in error.reason
    assert "save it as UTF-8" in error.reason


def test_empty_file(tmp_path: Path) -> None:
    assert read_error(write(tmp_path, "empty.txt", b"")).reason == "empty file"


@pytest.mark.parametrize("content", [b" \n\t\r\n  ", codecs.BOM_UTF8, codecs.BOM_UTF8 + b"\n\n"])
def test_whitespace_only_file_has_no_text(tmp_path: Path, content: bytes) -> None:
    assert read_error(write(tmp_path, "blank.txt", content)).reason == "has no text"


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="needs file permissions"
)
def test_unreadable_file_gives_the_os_reason(tmp_path: Path) -> None:
    path = write(tmp_path, "secret.txt", "text")
    path.chmod(0)
    try:
        error = read_error(path)
    finally:
        path.chmod(0o644)
    assert error.reason == "cannot be read: permission denied"


@pytest.mark.parametrize("name", ["secret.txt", "secret.pdf", "secret.jsonl"])
def test_os_error_gives_the_os_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    # Works where permissions cannot be taken away (as root, on some file systems).
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    path = write(tmp_path, name, "text")
    monkeypatch.setattr(Path, "read_bytes", refuse)
    monkeypatch.setattr(Path, "open", refuse)
    error = read_error(path)
    assert (error.path, error.reason) == (str(path), "cannot be read: permission denied")


def test_folder_named_like_a_document(tmp_path: Path) -> None:
    folder = tmp_path / "odd.txt"
    folder.mkdir()
    assert read_error(folder).reason == "is a folder, not a file"


def test_unsupported_suffix_is_refused(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "sheet.xlsx", b"PK"))
    assert "'.xlsx' files cannot be read" in error.reason
    assert ".docx" in error.reason


def test_suffix_case_does_not_matter(tmp_path: Path) -> None:
    assert read_one(write(tmp_path, "LOUD.TXT", "Hello")).text == "Hello"


def test_decode_text_directly() -> None:
    assert decode_text(b"a\r\nb", "x.txt") == "a\r\nb"
    assert decode_text(codecs.BOM_UTF16_BE + "é".encode("utf-16-be"), "x.txt") == "é"
    with pytest.raises(InputError) as caught:
        decode_text(b"ok \xff", "x.txt")
    assert caught.value.reason == (
        "not UTF-8 or UTF-16 text (invalid byte 0xff at offset 3); save it as UTF-8"
    )
    with pytest.raises(InputError, match="binary file"):
        decode_text(codecs.BOM_UTF8 + b"a\x00b", "x.txt")


def test_broken_utf16_names_utf16(tmp_path: Path) -> None:
    # A lone high surrogate cannot be decoded.
    with pytest.raises(InputError, match="not valid UTF-16-LE text"):
        decode_text(codecs.BOM_UTF16_LE + b"a\x00\x00\xd8", "x.txt")


# --- Markdown --------------------------------------------------------------------------------


def test_markdown_is_not_rendered(tmp_path: Path) -> None:
    text = "# Heading\r\n\r\nSome *emphasis*, a [link](http://x) and `code`.\n\n- item\n"
    document = read_one(write(tmp_path, "notes.md", text))
    assert document.text == text
    assert document.title == "Heading"


def test_markdown_long_suffix(tmp_path: Path) -> None:
    assert read_one(write(tmp_path, "notes.markdown", "plain")).text == "plain"


# --- HTML ------------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>  Caf&eacute;
  report </title>
<style>p { color: red }</style>
<script>var x = "<p>not text</p>";</script>
</head>
<body>
<h1>Main   heading</h1>
<p>First  paragraph,
   with <b>bold</b> &amp; an em dash &#8212; here.</p>
<p>Markup shown as text: &lt;b&gt; stays<br>next line</p>
<noscript>Please enable scripts</noscript>
<template><p>template text</p></template>
<ul><li>one</li><li>two</li></ul>
<table><tr><th>Name</th><th>Age</th></tr><tr><td>Ann</td><td>30</td></tr></table>
<pre>
  indented
    code</pre>
<div>tail <span>x</span> <span>y</span></div>
</body></html>
"""


def test_html_visible_text(tmp_path: Path) -> None:
    document = read_one(write(tmp_path, "page.html", PAGE))
    assert document.title == "Café report"
    assert document.text == (
        "Main heading\n\n"
        "First paragraph, with bold & an em dash — here.\n\n"
        "Markup shown as text: <b> stays\nnext line\n\n"
        "one\ntwo\n"
        "Name\tAge\nAnn\t30\n\n"
        "  indented\n    code\n\n"
        "tail x y"
    )


def test_html_drops_hidden_content(tmp_path: Path) -> None:
    text = read_one(write(tmp_path, "page.htm", PAGE)).text
    for hidden in ("color", "not text", "Please enable", "template text", "Café"):
        assert hidden not in text


def test_html_without_title_uses_first_line(tmp_path: Path) -> None:
    document = read_one(write(tmp_path, "page.html", "<p>\n  Opening words </p><p>more</p>"))
    assert document.title == "Opening words"
    assert document.text == "Opening words\n\nmore"


def test_html_declared_charset(tmp_path: Path) -> None:
    page = (
        b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">'
        b"</head><body><p>caf\xe9 \x80 5</p></body></html>"
    )
    # Browsers read iso-8859-1 as windows-1252, where 0x80 is the euro sign.
    assert read_one(write(tmp_path, "old.html", page)).text == "café € 5"


def test_html_with_bom_ignores_declared_charset(tmp_path: Path) -> None:
    page = '<meta charset="iso-8859-1"><p>Genève</p>'.encode("utf-16-le")
    assert read_one(write(tmp_path, "p.html", codecs.BOM_UTF16_LE + page)).text == "Genève"


def test_html_without_visible_text(tmp_path: Path) -> None:
    page = "<html><head><title>Only a title</title></head><body><script>x()</script></body>"
    assert read_error(write(tmp_path, "empty.html", page)).reason == "has no text"


def test_html_in_latin1_without_declaration_is_refused(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "p.html", "<p>café</p>".encode("latin-1")))
    assert "save it as UTF-8" in error.reason


# --- Word ------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_in_order(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Annual report")
    document.add_paragraph("Before the table.")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Country"
    table.cell(0, 1).text = "Refugees"
    table.cell(1, 0).text = "Chad"
    table.cell(1, 1).text = "1.2 million"
    document.add_paragraph("After the table.")
    path = tmp_path / "report.docx"
    document.save(str(path))

    read = read_one(path)
    assert read.text == (
        "Annual report\nBefore the table.\nCountry\nRefugees\nChad\n1.2 million\nAfter the table."
    )
    assert read.title == "Annual report"


def test_docx_merged_cell_read_once(tmp_path: Path) -> None:
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    merged = table.cell(0, 0).merge(table.cell(0, 1))
    merged.text = "wide"
    table.cell(0, 2).text = "narrow"
    path = tmp_path / "merged.docx"
    document.save(str(path))
    assert read_one(path).text == "wide\nnarrow"


def test_docx_without_text(tmp_path: Path) -> None:
    path = tmp_path / "blank.docx"
    docx.Document().save(str(path))
    assert read_error(path).reason == "has no text"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"just some text", "not a Word document (.docx)"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 old", "an old .doc file must be saved as .docx"),
        (b"PK\x03\x04 broken zip", "not a readable Word document"),
    ],
)
def test_not_a_docx(tmp_path: Path, content: bytes, expected: str) -> None:
    assert expected in read_error(write(tmp_path, "letter.docx", content)).reason


# --- PDF -------------------------------------------------------------------------------------


def test_pdf_with_text_layer(tmp_path: Path) -> None:
    path = write(
        tmp_path, "statement.pdf", pdf_bytes([text_page(b"Hello world"), text_page(b"Page two")])
    )
    document = read_one(path)
    assert document.text == "Hello world\n\nPage two"
    assert document.title == "Hello world"


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    path = write(tmp_path, "scan.pdf", pdf_bytes([b"0 0 m 100 100 l S"]))
    assert read_error(path).reason == "has no text layer (a scanned PDF?); run OCR on it first"


def test_broken_pdf(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "broken.pdf", b"%PDF-1.4\n1 0 obj\n<< /Type"))
    assert error.reason.startswith("not a readable PDF: ")


def test_file_that_is_not_a_pdf(tmp_path: Path) -> None:
    error = read_error(write(tmp_path, "fake.pdf", "plain text"))
    assert error.reason.startswith("not a PDF file")


def test_password_protected_pdf(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain.pdf", pdf_bytes([text_page(b"Secret text")]))
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    locked = tmp_path / "locked.pdf"
    writer.write(str(locked))
    assert "password" in read_error(locked).reason


def test_pdf_with_only_an_owner_password_opens(tmp_path: Path) -> None:
    plain = write(tmp_path, "plain.pdf", pdf_bytes([text_page(b"Open text")]))
    writer = PdfWriter(clone_from=str(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    restricted = tmp_path / "restricted.pdf"
    writer.write(str(restricted))
    assert read_one(restricted).text == "Open text"


# --- JSON Lines ------------------------------------------------------------------------------


def jsonl(tmp_path: Path, *lines: str, name: str = "docs.jsonl") -> Path:
    return write(tmp_path, name, "\n".join(lines) + "\n")


def test_jsonl_records_with_meta_and_extra_keys(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        json.dumps({"text": "First text.\r\nLine 2 😀", "meta": {"title": "One", "lang": "fr"}}),
        json.dumps({"text": "Second", "id": 7, "meta": {"source": "wire"}, "tags": ["a"]}),
        json.dumps({"text": "Third", "title": "Top-level title", "language": "es"}),
    )
    first, second, third = read_documents(path)
    assert first.text == "First text.\r\nLine 2 😀"
    assert first.title == "One"
    assert first.language == "fr"
    assert first.meta == {"title": "One", "lang": "fr"}
    assert first.line == 1
    assert first.source == str(path)
    assert second.meta == {"source": "wire", "id": 7, "tags": ["a"]}
    assert second.title == "Second"
    assert second.language is None
    assert second.line == 2
    assert third.title == "Top-level title"
    assert third.language == "es"


def test_jsonl_key_in_meta_and_record_keeps_both(tmp_path: Path) -> None:
    path = jsonl(tmp_path, json.dumps({"text": "t", "id": 2, "meta": {"id": 1}}))
    assert read_one(path).meta == {"id": 1, "_top_level": {"id": 2}}


def test_jsonl_blank_lines_skipped_and_lines_counted(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "docs.jsonl",
        '\n{"text": "a"}\r\n   \r\n\n{"text": "b"}',  # CRLF and no final newline
    )
    assert [(d.text, d.line) for d in read_documents(path)] == [("a", 2), ("b", 5)]


def test_jsonl_bom_on_first_line(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.jsonl", codecs.BOM_UTF8 + b'{"text": "a"}\n')
    assert read_one(path).text == "a"


def test_jsonl_bad_json_names_the_line(tmp_path: Path) -> None:
    path = jsonl(tmp_path, '{"text": "a"}', '{"text": "b"}', '{"text": "c",,}', '{"text": "d"}')
    error = read_error(path)
    assert error.line == 3
    assert error.path == str(path)
    assert error.reason.startswith("not valid JSON: ")
    assert "column" in error.reason
    assert str(error).startswith(f"{path}:3: ")


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ('{"title": "no text"}', 'the record has no "text" field'),
        ('{"text": 42}', '"text" must be a string, not a number'),
        ('{"text": null}', '"text" must be a string, not null'),
        ('{"text": ["a"]}', '"text" must be a string, not an array'),
        ('{"text": ""}', '"text" is empty'),
        ('{"text": " \\n "}', '"text" is empty'),
        ('{"text": "a", "meta": "x"}', '"meta" must be a JSON object, not a string'),
        ('{"text": "a", "meta": [1]}', '"meta" must be a JSON object, not an array'),
        ('["text", "a"]', "the record is an array, not a JSON object"),
        ('"just a string"', "the record is a string, not a JSON object"),
        ('{"text": "a"} {"text": "b"}', "not valid JSON: extra data at column 15; "
                                         "put one JSON object on each line"),
        ('{"text": "half \\ud83d pair"}', '"text" holds an unpaired surrogate (\\ud83d) '
                                           "at character 5"),
    ],
)
def test_jsonl_bad_record(tmp_path: Path, record: str, reason: str) -> None:
    error = read_error(jsonl(tmp_path, '{"text": "fine"}', record))
    assert (error.line, error.reason) == (2, reason)


def test_jsonl_meta_null_is_no_meta(tmp_path: Path) -> None:
    assert read_one(jsonl(tmp_path, '{"text": "a", "meta": null}')).meta == {}


def test_jsonl_invalid_utf8_line(tmp_path: Path) -> None:
    path = write(tmp_path, "docs.jsonl", b'{"text": "a"}\n{"text": "caf\xe9"}\n')
    error = read_error(path)
    assert error.line == 2
    assert "0xe9" in error.reason
    assert "UTF-8" in error.reason


def test_jsonl_skip_invalid_reports_and_goes_on(tmp_path: Path) -> None:
    path = jsonl(
        tmp_path,
        '{"text": "one"}',
        "not json",
        '{"text": 5}',
        "",
        '{"text": "two"}',
    )
    skipped: list[InputError] = []
    documents = list(read_documents(path, skip_invalid=True, on_skip=skipped.append))
    assert [d.text for d in documents] == ["one", "two"]
    assert [d.line for d in documents] == [1, 5]
    assert [e.line for e in skipped] == [2, 3]
    assert all(e.path == str(path) for e in skipped)


def test_jsonl_skip_invalid_without_callback(tmp_path: Path) -> None:
    path = jsonl(tmp_path, "{", '{"text": "ok"}')
    assert [d.text for d in read_documents(path, skip_invalid=True)] == ["ok"]


def test_jsonl_is_read_lazily(tmp_path: Path) -> None:
    # The good record comes out before the bad line is reached: the file is streamed.
    documents = read_documents(jsonl(tmp_path, '{"text": "first"}', "broken"))
    assert next(documents).text == "first"
    with pytest.raises(InputError):
        next(documents)


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty file"),
        (b"\n  \n\r\n", "has no records (only blank lines)"),
        (codecs.BOM_UTF16_LE + '{"text": "a"}'.encode("utf-16-le"),
         "JSON Lines must be UTF-8, not UTF-16; save it as UTF-8"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file, not text"),
    ],
)
def test_jsonl_file_level_errors(tmp_path: Path, content: bytes, reason: str) -> None:
    error = read_error(write(tmp_path, "docs.jsonl", content), skip_invalid=True)
    assert (error.reason, error.line) == (reason, None)


# --- finding files ---------------------------------------------------------------------------


def rel(paths: list[Path | InputError], root: Path) -> list[str]:
    return [p.relative_to(root).as_posix() for p in paths if isinstance(p, Path)]


def test_supported_suffixes() -> None:
    assert SUPPORTED_SUFFIXES == {
        ".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".jsonl"
    }


def test_folder_is_walked_recursively_in_sorted_order(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    for name in ["b.txt", "a.md", "sub/z.html", "sub/deeper/c.pdf", "C.docx", "x.jsonl"]:
        write(root, name, "x")
    write(root, "notes.xlsx", "x")  # unsupported: skipped in silence
    write(root, "README", "x")
    found = list(iter_files([root]))
    assert all(isinstance(p, Path) for p in found)
    assert rel(found, root) == [
        "a.md", "b.txt", "C.docx", "sub/deeper/c.pdf", "sub/z.html", "x.jsonl"
    ]
    assert all(str(p).startswith(str(root)) for p in found)  # paths as given, not resolved


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    root = tmp_path / "corpus"
    write(root, "visible.txt", "x")
    write(root, ".hidden.txt", "x")
    write(root, ".git/objects/readme.md", "x")
    write(root, "~$report.docx", "x")  # Word's lock file
    assert rel(list(iter_files([root])), root) == ["visible.txt"]


def test_missing_path_is_reported(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    [error] = list(iter_files([missing]))
    assert isinstance(error, InputError)
    assert (error.path, error.reason) == (str(missing), "no such file or folder")


def test_explicit_unsupported_file_is_reported(tmp_path: Path) -> None:
    sheet = write(tmp_path, "table.xlsx", "x")
    [error] = list(iter_files([sheet]))
    assert isinstance(error, InputError)
    assert error.path == str(sheet)
    for suffix in SUPPORTED_SUFFIXES:
        assert suffix in error.reason


def test_explicit_files_and_folders_keep_their_order(tmp_path: Path) -> None:
    one = write(tmp_path, "z.txt", "x")
    folder = tmp_path / "docs"
    write(folder, "a.txt", "x")
    hidden = write(tmp_path, ".named.md", "x")  # named on purpose: read
    found = list(iter_files([one, tmp_path / "gone.txt", folder, hidden]))
    assert found[0] == one
    assert isinstance(found[1], InputError)
    assert found[2:] == [folder / "a.txt", hidden]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symbolic links")
def test_links_pointing_outside_the_folder_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "private"
    write(outside, "diary.txt", "secret")
    root = tmp_path / "corpus"
    write(root, "own.txt", "x")
    try:
        (root / "diary.txt").symlink_to(outside / "diary.txt")
        (root / "private").symlink_to(outside, target_is_directory=True)
        (root / "alias.txt").symlink_to(root / "own.txt")
        (root / "loop").symlink_to(root, target_is_directory=True)
        (root / "dangling.txt").symlink_to(root / "gone.txt")
    except OSError:
        pytest.skip("cannot create symbolic links here")
    found = list(iter_files([root]))
    assert rel(found, root) == ["alias.txt", "own.txt"]
    errors = [e for e in found if isinstance(e, InputError)]
    assert [(Path(e.path).name, e.reason) for e in errors] == [
        ("dangling.txt", "broken link: its target does not exist")
    ]
