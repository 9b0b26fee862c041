"""Read documents from text, Markdown, HTML, PDF, Word and JSON Lines files.

Every reader returns the document's text as the program will store it: offsets of spans are
code-point indices into exactly this text, so nothing here normalises what a file says (plain
text and Markdown are kept byte for byte; HTML, PDF and Word give their visible text).
Bad input raises :class:`InputError` naming the file, the line when there is one, and the reason.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from ..core.errors import InputError
from ..core.model import NewDocument
from .interchange import LINK_OUTSIDE, json_error_reason, json_value_problem

TEXT_SUFFIXES: frozenset[str] = frozenset({".txt"})
MARKDOWN_SUFFIXES: frozenset[str] = frozenset({".md", ".markdown"})
HTML_SUFFIXES: frozenset[str] = frozenset({".html", ".htm"})
SUPPORTED_SUFFIXES: frozenset[str] = (
    TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx", ".jsonl"}
)

TITLE_LENGTH = 120

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian mark begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


# --- finding files ---------------------------------------------------------------------------


def iter_files(paths: Iterable[Path], *,
               report_links_outside: bool = False) -> Iterator[Path | InputError]:
    """The readable files among ``paths``, folders expanded recursively in sorted order.

    Problems with what the user named explicitly come back as :class:`InputError` items, so one
    bad path does not stop the others; inside folders, files the program cannot read are skipped.
    A link inside a folder that leads out of it is never followed; with
    ``report_links_outside`` it comes back as an :class:`InputError` too, so that the person
    importing learns what was left out.
    """
    for path in paths:
        path = Path(path)
        if not path.exists():
            yield InputError(str(path), "no such file or folder")
        elif path.is_dir():
            yield from _walk_folder(path, path.resolve(), report_links_outside)
        elif not path.is_file():
            yield InputError(str(path), "not a regular file")
        elif not _is_supported(path):
            yield InputError(str(path), _unsupported_reason(path))
        else:
            yield path


def _walk_folder(folder: Path, root: Path, report_outside: bool) -> Iterator[Path | InputError]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: (e.name.casefold(), e.name))
    except OSError as error:
        yield InputError(str(folder), _os_reason(error))
        return
    for entry in entries:
        if _is_hidden(entry):
            continue
        path = folder / entry.name
        if entry.is_symlink():
            yield from _follow_link(path, root, report_outside)
        elif entry.is_dir(follow_symlinks=False):
            yield from _walk_folder(path, root, report_outside)
        elif entry.is_file(follow_symlinks=False) and _is_supported(path):
            yield path


def _follow_link(link: Path, root: Path, report_outside: bool) -> Iterator[Path | InputError]:
    """A link inside the chosen folder is read only when it points to a file in that folder.

    Links leading outside (to a file or a folder) would import files the user did not choose;
    links to folders are not descended, because their target inside the folder is walked
    anyway and a link to a parent would loop forever.
    """
    try:
        target = link.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return
    if not target.is_relative_to(root):
        if report_outside:
            yield InputError(str(link), LINK_OUTSIDE)
        return
    if not _is_supported(link):
        return
    if not target.exists():
        yield InputError(str(link), "broken link: its target does not exist")
    elif target.is_file():
        yield link


def _is_hidden(entry: os.DirEntry[str]) -> bool:
    # "~$" files are the lock files Word leaves beside an open document: never a document.
    if entry.name.startswith((".", "~$")):
        return True
    try:
        attributes = getattr(entry.stat(follow_symlinks=False), "st_file_attributes", 0)
    except OSError:
        return False
    return bool(attributes & getattr(stat, "FILE_ATTRIBUTE_HIDDEN", 0))


def _is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES


def _unsupported_reason(path: Path) -> str:
    kind = f"'{path.suffix}' files" if path.suffix else "files without a suffix"
    return f"{kind} cannot be read; use one of {', '.join(sorted(SUPPORTED_SUFFIXES))}"


# --- decoding --------------------------------------------------------------------------------


def decode_text(data: bytes, path: str) -> str:
    """Decode a text file's bytes exactly: only a byte order mark is removed.

    Without a byte order mark the text must be UTF-8; guessing a legacy encoding could silently
    turn characters into others, and the stored text is what every span points into.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-8":
                _reject_binary(data, path)
            return _decode(data[len(bom):], encoding, path, offset=len(bom))
    _reject_binary(data, path)
    return _decode(data, "utf-8", path)


def _reject_binary(data: bytes, path: str) -> None:
    if b"\x00" not in data:
        return
    if _looks_like_utf16(data):
        raise InputError(path, "looks like UTF-16 text without a byte order mark; save it as UTF-8")
    raise InputError(path, "binary file, not text")


def _looks_like_utf16(data: bytes) -> bool:
    """UTF-16 text that is mostly Latin script has a NUL in every other byte."""
    sample = data[:1000]
    if len(sample) < 4 or len(sample) % 2:
        return False
    for parity in (0, 1):
        nuls = sample[parity::2].count(0)
        others = sample[1 - parity::2].count(0)
        if others == 0 and nuls >= 0.9 * (len(sample) // 2):
            return True
    return False


def _decode(data: bytes, encoding: str, path: str, offset: int = 0) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        where = error.start + offset
        byte = data[error.start]
        raise InputError(path, _undecodable_reason(encoding, byte, where)) from None
    except UnicodeError as error:  # a codec that decodes nothing ("undefined")
        raise InputError(path, f"cannot be read as {encoding} ({error})") from None


def _undecodable_reason(encoding: str, byte: int, where: int) -> str:
    if encoding == "utf-8":
        name = "UTF-8 or UTF-16 text"
    else:
        name = f"valid {codecs.lookup(encoding).name.upper()} text"
    return f"not {name} (invalid byte 0x{byte:02x} at offset {where}); save it as UTF-8"


# --- reading ---------------------------------------------------------------------------------


def read_documents(
    path: Path,
    *,
    skip_invalid: bool = False,
    on_skip: Callable[[InputError], None] | None = None,
) -> Iterator[NewDocument]:
    """The documents in one file: one for most kinds, one per record for JSON Lines.

    ``skip_invalid`` only concerns JSON Lines records: each bad one is passed to ``on_skip``
    and reading goes on. A file that cannot be read at all always raises.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        yield from _read_jsonl(path, skip_invalid, on_skip)
        return
    reader = _FILE_READERS.get(suffix)
    if reader is None:
        raise InputError(str(path), _unsupported_reason(path))
    data = _read_bytes(path)
    yield reader(data, str(path))


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InputError(str(path), _os_reason(error)) from None
    if not data:
        raise InputError(str(path), "empty file")
    return data


def _os_reason(error: OSError) -> str:
    if isinstance(error, IsADirectoryError):
        return "is a folder, not a file"
    return f"cannot be read: {_lower_first(error.strerror or str(error))}"


def _read_text(data: bytes, path: str) -> NewDocument:
    return _document(decode_text(data, path), path)


def _read_markdown(data: bytes, path: str) -> NewDocument:
    text = decode_text(data, path)
    # The title drops the "#" of a heading; the text keeps every character.
    title = re.sub(r"^#{1,6}\s+", "", _first_line(text)).strip()
    return _document(text, path, title=_shorten(title))


def _document(
    text: str,
    path: str,
    *,
    title: str = "",
    meta: dict[str, Any] | None = None,
    language: str | None = None,
    line: int | None = None,
    no_text: str = "has no text",
) -> NewDocument:
    if not text or text.isspace():  # as "not text.strip()", without copying the text
        raise InputError(path, no_text, line)
    return NewDocument(
        text=text,
        title=title or _title_from_text(text) or Path(path).name,
        source=path,
        meta=meta or {},
        language=language,
        line=line,
    )


def _first_line(text: str) -> str:
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


def _title_from_text(text: str) -> str:
    return _shorten(_first_line(text))


def _shorten(title: str) -> str:
    if len(title) <= TITLE_LENGTH:
        return title
    return title[:TITLE_LENGTH - 1].rstrip() + "…"


# --- HTML ------------------------------------------------------------------------------------

# Content a browser does not show as text. <head> is here too; its <title> is taken apart.
_HIDDEN_ELEMENTS = frozenset(
    {"head", "script", "style", "template", "noscript", "iframe", "object", "svg", "select"}
)
# Elements with vertical margins: a blank line, as a reader sees between paragraphs.
_PARAGRAPH_ELEMENTS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "figure", "dl", "address"}
)
_LINE_ELEMENTS = frozenset(
    {
        "html", "body", "div", "section", "article", "header", "footer", "main", "nav", "aside",
        "ul", "ol", "li", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption",
        "figcaption", "form", "fieldset", "legend", "details", "summary", "center", "dialog",
        "menu", "hgroup", "option",
    }
)
_CELL_ELEMENTS = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)


class _VisibleText(HTMLParser):
    """Collects the text a browser shows, laid out in lines as its innerText would be."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.title: str | None = None
        self._in_title = False
        self._title_parts: list[str] | None = None
        self._hidden: dict[str, int] = {}
        self._pre_depth = 0
        self._pre_opened = False
        self._parts: list[str] = []
        self._trailing_newlines = 0
        self._has_text = False
        self._pending_breaks = 0
        self._pending_space = False
        self._pending_tabs = 0
        self._row_cells = 0

    def text(self) -> str:
        return "".join(self._parts).strip("\n")

    def finish(self) -> None:
        """Close the parser. What the page leaves unfinished at its end (a comment, a tag or a
        declaration with no closing ">") is dropped first: a browser shows none of it, and
        Python's parser would go over it again once per character, for minutes on a page of
        a few hundred kilobytes ("<!--" or "<a" repeated: CPython issue 135462)."""
        if self.rawdata.startswith("<"):
            self.rawdata = ""
        self.close()

    # tags

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            # The first <title> names the page; one inside an <svg> only names a drawing.
            self._in_title = True
            if self.title is None and not any(n for t, n in self._hidden.items() if t != "head"):
                self._title_parts = []
            return
        if tag == "body":
            self._hidden.pop("head", None)  # a missing </head> ends where <body> begins
        if tag in _HIDDEN_ELEMENTS:
            self._hidden[tag] = self._hidden.get(tag, 0) + 1
            return
        self._layout(tag, opening=True)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>" is one break, and "<iframe/>" hides nothing; the base class would also end them.
        if tag in _HIDDEN_ELEMENTS or tag == "title":
            return
        self._layout(tag, opening=True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
            if self._title_parts is not None:
                self.title = _HTML_SPACE.sub(" ", "".join(self._title_parts)).strip()
                self._title_parts = None
            return
        if tag in _HIDDEN_ELEMENTS:
            if self._hidden.get(tag):
                self._hidden[tag] -= 1
            return
        self._layout(tag, opening=False)

    def _layout(self, tag: str, *, opening: bool) -> None:
        if self._is_hidden():
            return
        if tag == "br":
            self._line_break()
        elif tag in _PARAGRAPH_ELEMENTS:
            self._request_breaks(2)
        elif tag in _LINE_ELEMENTS:
            self._request_breaks(1)
        if tag == "tr" and opening:
            self._row_cells = 0
        elif tag in _CELL_ELEMENTS and opening:
            if self._row_cells:
                self._pending_tabs += 1  # cells of a row are separated by tabs, as when copied
            self._row_cells += 1
        if tag == "pre":
            self._pre_depth = max(0, self._pre_depth + (1 if opening else -1))
            self._pre_opened = opening

    # text

    def handle_data(self, data: str) -> None:
        if self._in_title:
            if self._title_parts is not None:
                self._title_parts.append(data)
            return
        if self._is_hidden():
            return
        if self._pre_depth:
            self._preformatted(data)
        else:
            self._flowing(data)

    def _preformatted(self, data: str) -> None:
        data = data.replace("\r\n", "\n").replace("\r", "\n")
        if self._pre_opened and data.startswith("\n"):
            data = data[1:]  # a newline just after <pre> is not shown
        self._pre_opened = False
        if data:
            self._write(data)

    def _flowing(self, data: str) -> None:
        data = _HTML_SPACE.sub(" ", data)
        if data.startswith(" "):
            self._pending_space = True
        words = data.strip(" ")
        if words:
            self._write(words)
            self._pending_space = data.endswith(" ")

    def _is_hidden(self) -> bool:
        return any(self._hidden.values())

    # output

    def _request_breaks(self, count: int) -> None:
        self._pending_breaks = max(self._pending_breaks, count)

    def _line_break(self) -> None:
        if self._has_text:
            self._flush_breaks()
            self._append("\n")

    def _write(self, text: str) -> None:
        if self._has_text and self._pending_breaks:
            self._flush_breaks()
        elif self._has_text and self._trailing_newlines == 0:
            if self._pending_tabs:
                self._append("\t" * self._pending_tabs)
            elif self._pending_space:
                self._append(" ")
        self._pending_breaks = self._pending_tabs = 0
        self._pending_space = False
        self._append(text)
        self._has_text = True

    def _flush_breaks(self) -> None:
        missing = self._pending_breaks - self._trailing_newlines
        if missing > 0:
            self._append("\n" * missing)
        self._pending_breaks = self._pending_tabs = 0
        self._pending_space = False

    def _append(self, text: str) -> None:
        self._parts.append(text)
        stripped = text.rstrip("\n")
        if stripped:
            self._trailing_newlines = len(text) - len(stripped)
        else:
            self._trailing_newlines += len(text)


def _read_html(data: bytes, path: str) -> NewDocument:
    parser = _VisibleText()
    try:
        parser.feed(_decode_html(data, path))
        parser.finish()
    except AssertionError as error:  # html.parser's way of refusing a broken declaration
        raise InputError(path, f"markup the HTML parser cannot read ({str(error)[:80]})") \
            from None
    text, title = parser.text(), _shorten(parser.title or "")
    _reject_lone_surrogates(text, path, None, "the page")
    _reject_lone_surrogates(title, path, None, "its title")
    return _document(text, path, title=title)


def _decode_html(data: bytes, path: str) -> str:
    if any(data.startswith(bom) for bom, _ in _BOMS):
        return decode_text(data, path)
    encoding = _declared_charset(data)
    if encoding == "utf-8":
        return decode_text(data, path)
    _reject_binary(data, path)
    if encoding == "cp1252":
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            # Bytes cp1252 leaves undefined are control characters to a browser.
            return data.decode("latin-1")
    return _decode(data, encoding, path)


_NOT_PAGE_ENCODINGS = frozenset(
    {"utf-7", "unicode-escape", "raw-unicode-escape", "idna", "punycode", "undefined"})


def _declared_charset(data: bytes) -> str:
    """The Python codec for a <meta> charset near the top of the page, else UTF-8."""
    match = _META_CHARSET.search(data[:4096])
    if match is None:
        return "utf-8"
    try:
        info = codecs.lookup(match.group(1).decode("ascii"))
    except LookupError:
        return "utf-8"
    name = info.name
    # Python's codecs also name transforms (base64, zlib, rot13) and decoders no browser
    # takes for a page (UTF-7, Python's escapes): a page naming one is read as UTF-8.
    if not getattr(info, "_is_text_encoding", True) or name in _NOT_PAGE_ENCODINGS:
        return "utf-8"
    # As browsers do: Latin-1 and ASCII labels mean windows-1252, and a UTF-16 label on a page
    # whose bytes were readable as ASCII cannot be true.
    if name in {"latin-1", "iso8859-1", "ascii", "cp1252"}:
        return "cp1252"
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"
    return name


# --- PDF -------------------------------------------------------------------------------------

_NO_TEXT_LAYER = "has no text layer (a scanned PDF?); run OCR on it first"


def _read_pdf(data: bytes, path: str) -> NewDocument:
    pages = _pdf_pages(data, path)
    text = "\n\n".join(page for page in pages if page.strip())
    # A damaged font map can turn a glyph into half of a UTF-16 pair.
    _reject_lone_surrogates(text, path, None, "its text")
    return _document(text, path, no_text=_NO_TEXT_LAYER)


def _pdf_pages(data: bytes, path: str) -> list[str]:
    from pypdf import PasswordType, PdfReader  # loaded only when a PDF is read

    # Readers accept junk before the header, but not a file that never names itself a PDF.
    if b"%PDF-" not in data[:1024]:
        raise InputError(path, "not a PDF file (it does not begin with %PDF)")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise InputError(
                path, "is protected by a password; save a copy without the password and use that"
            )
        return [page.extract_text() or "" for page in reader.pages]
    except InputError:
        raise
    except Exception as error:  # noqa: BLE001 - a damaged PDF breaks pypdf in many ways
        raise InputError(path, f"not a readable PDF: {_describe(error)}") from None


def _describe(error: Exception) -> str:
    # str() of a KeyError is the quoted key; its argument reads better.
    message = str(error.args[0]) if isinstance(error, KeyError) and error.args else str(error)
    return _lower_first(message.strip().rstrip(".") or type(error).__name__)


def _lower_first(message: str) -> str:
    """Reasons start in lower case, but an acronym ("EOF marker") keeps its capitals."""
    if message[1:2].isupper():
        return message
    return message[:1].lower() + message[1:]


# --- Word ------------------------------------------------------------------------------------


def _read_docx(data: bytes, path: str) -> NewDocument:
    return _document("\n".join(_docx_paragraphs(data, path)).strip("\n"), path)


def _docx_paragraphs(data: bytes, path: str) -> list[str]:
    import docx  # loaded only when a Word document is read

    if not data.startswith(b"PK"):
        hint = "; an old .doc file must be saved as .docx" if data.startswith(b"\xd0\xcf") else ""
        raise InputError(path, f"not a Word document (.docx){hint}")
    try:
        document = docx.Document(io.BytesIO(data))
        return list(_block_texts(document.iter_inner_content()))
    except Exception as error:  # noqa: BLE001 - a damaged zip or XML fails in many ways
        raise InputError(path, f"not a readable Word document: {_describe(error)}") from None


def _block_texts(blocks: Iterable[Any]) -> Iterator[str]:
    """Paragraph texts in document order, descending into table cells (and tables in them)."""
    from docx.table import Table

    for block in blocks:
        if not isinstance(block, Table):
            yield block.text
            continue
        for row in block.rows:
            seen: list[Any] = []
            for cell in row.cells:
                # A merged cell is listed once per grid column it spans; read it once.
                if any(cell._tc is other for other in seen):
                    continue
                seen.append(cell._tc)
                yield from _block_texts(cell.iter_inner_content())


# --- JSON Lines ------------------------------------------------------------------------------


def _read_jsonl(
    path: Path,
    skip_invalid: bool,
    on_skip: Callable[[InputError], None] | None,
) -> Iterator[NewDocument]:
    name = str(path)
    found = False
    try:
        stream = path.open("rb")
    except OSError as error:
        raise InputError(name, _os_reason(error)) from None
    with stream:
        _check_jsonl_start(stream.peek(4096)[:4096], name)
        for number, raw in enumerate(stream, start=1):
            if number == 1:
                raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw.strip():
                continue
            found = True
            try:
                yield _record_document(raw, name, number)
            except InputError as error:
                if not skip_invalid:
                    raise
                if on_skip is not None:
                    on_skip(error)
    if not found:
        raise InputError(name, "has no records (only blank lines)")


def _check_jsonl_start(head: bytes, path: str) -> None:
    if not head:
        raise InputError(path, "empty file")
    for bom, encoding in _BOMS:
        if encoding != "utf-8" and head.startswith(bom):
            name = encoding[:6].upper()
            raise InputError(path, f"JSON Lines must be UTF-8, not {name}; save it as UTF-8")
    if b"\x00" in head:
        raise InputError(path, "binary file, not text")


def _record_document(raw: bytes, path: str, line: int) -> NewDocument:
    record = _parse_record(raw, path, line)
    if "text" not in record:
        raise InputError(path, 'the record has no "text" field', line)
    text = record["text"]
    if not isinstance(text, str):
        raise InputError(path, f'"text" must be a string, not {_json_type(text)}', line)
    if not text or text.isspace():
        raise InputError(path, '"text" is empty', line)
    if b"\\u" in raw:  # a lone surrogate can only come from a JSON escape
        _reject_lone_surrogates(text, path, line)
    problem = json_value_problem(record, raw)
    if problem:  # in the title or meta, stored as they are
        raise InputError(path, problem, line)
    meta = _record_meta(record, path, line)
    return _document(
        text,
        path,
        title=_shorten(_meta_string(meta, "title")),
        meta=meta,
        language=_meta_string(meta, "language") or _meta_string(meta, "lang") or None,
        line=line,
    )


def _parse_record(raw: bytes, path: str, line: int) -> dict[str, Any]:
    try:
        source = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        reason = f"not UTF-8 text (invalid byte 0x{raw[error.start]:02x} at byte {error.start + 1}"
        raise InputError(path, f"{reason} of the line); save the file as UTF-8", line) from None
    try:
        record = json.loads(source)
    except json.JSONDecodeError as error:
        raise InputError(path, _json_reason(error), line) from None
    except RecursionError:
        raise InputError(path, "not valid JSON: nested too deeply", line) from None
    except ValueError as error:  # a number of too many digits
        raise InputError(path, json_error_reason(error), line) from None
    if not isinstance(record, dict):
        raise InputError(path, f"the record is {_json_type(record)}, not a JSON object", line)
    return record


def _json_reason(error: json.JSONDecodeError) -> str:
    message = _lower_first(error.msg)
    joint = " column" if message.endswith(" at") else " at column"
    reason = f"not valid JSON: {message}{joint} {error.colno}"
    if error.msg == "Extra data":
        reason += "; put one JSON object on each line"
    return reason


def _reject_lone_surrogates(text: str, path: str, line: int | None,
                            what: str = '"text"') -> None:
    # JSON escapes such as "\ud800" can name half of a character pair; such text is not valid
    # Unicode and could not be stored or shown.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(
            path,
            f"{what} holds an unpaired surrogate (\\u{ord(text[error.start]):04x}) "
            f"at character {error.start}",
            line,
        ) from None


def _record_meta(record: dict[str, Any], path: str, line: int) -> dict[str, Any]:
    """The record's "meta" with its other fields added, so that nothing in it is lost.

    Where a field has the name of a "meta" key holding another value, "meta" keeps its own and
    the field is kept under "_top_level".
    """
    meta = record.get("meta")
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise InputError(path, f'"meta" must be a JSON object, not {_json_type(meta)}', line)
    merged = dict(meta)
    clashes: dict[str, Any] = {}
    for key, value in record.items():
        if key in ("text", "meta"):
            continue
        if key in merged and merged[key] != value:
            clashes[key] = value
        else:
            merged[key] = value
    if clashes:
        merged["_top_level"] = clashes
    return merged


def _meta_string(meta: dict[str, Any], key: str) -> str:
    value = meta.get(key)
    return value.strip() if isinstance(value, str) else ""


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


_FILE_READERS: dict[str, Callable[[bytes, str], NewDocument]] = {
    **{suffix: _read_text for suffix in TEXT_SUFFIXES},
    **{suffix: _read_markdown for suffix in MARKDOWN_SUFFIXES},
    **{suffix: _read_html for suffix in HTML_SUFFIXES},
    ".pdf": _read_pdf,
    ".docx": _read_docx,
}
