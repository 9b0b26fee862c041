"""HTML: the text a browser shows (tags, scripts and styles dropped), laid out as a reader
sees it (blank lines between paragraphs, a line per list item), decoded by its charset."""

from __future__ import annotations

import codecs
import re
from html.parser import HTMLParser

from ...core.errors import InputError
from ...core.model import NewDocument
from .common import (
    BOMS,
    decode,
    decode_text,
    make_document,
    reject_binary,
    reject_lone_surrogates,
    shorten,
)

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
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.IGNORECASE)


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


def read_html(data: bytes, path: str) -> NewDocument:
    parser = _VisibleText()
    try:
        parser.feed(_decode_html(data, path))
        parser.finish()
    except AssertionError as error:  # html.parser's way of refusing a broken declaration
        raise InputError(path, f"markup the HTML parser cannot read ({str(error)[:80]})") \
            from None
    text, title = parser.text(), shorten(parser.title or "")
    reject_lone_surrogates(text, path, None, "the page")
    reject_lone_surrogates(title, path, None, "its title")
    return make_document(text, path, title=title)


def _decode_html(data: bytes, path: str) -> str:
    if any(data.startswith(bom) for bom, _ in BOMS):
        return decode_text(data, path)
    encoding = _declared_charset(data)
    if encoding == "utf-8":
        return decode_text(data, path)
    reject_binary(data, path)
    if encoding == "cp1252":
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            # Bytes cp1252 leaves undefined are control characters to a browser.
            return data.decode("latin-1")
    return decode(data, encoding, path)


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

