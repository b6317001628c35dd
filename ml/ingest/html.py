"""HTML -> readable text. selectolax fixes up the DOM (two-cell table rows become "Key: Value" lines, which is how
vendors lay out requirement tables); html2text renders the rest (lists, paragraphs, entities)."""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser as HTMLParser

_BLANKS = re.compile(r"\n{3,}")


def _cell_text(node) -> str:
    return re.sub(r"\s+", " ", node.text(separator=" ", strip=True)).strip()


def html_to_text(html: str) -> str:
    import html2text

    tree = HTMLParser(html)
    for tag in ("script", "style", "head", "title", "meta", "noscript"):
        for node in tree.css(tag):
            node.decompose()
    for row in tree.css("tr"):
        cells = [_cell_text(c) for c in row.css("td, th")]
        cells = [c for c in cells if c]
        if not cells:
            row.decompose()
            continue
        line = f"{cells[0].rstrip(':')}: {' | '.join(cells[1:])}" if len(cells) >= 2 else cells[0]
        row.replace_with(HTMLParser(f"<p>{_escape(line)}</p>").body.child)
    for table in tree.css("table"):
        table.unwrap()
    for tag in ("tbody", "thead", "tfoot"):
        for node in tree.css(tag):
            node.unwrap()
    body = tree.body.html if tree.body is not None else (tree.html or "")
    converter = html2text.HTML2Text()
    converter.body_width = 0
    converter.ignore_links = True
    converter.ignore_images = True
    converter.ignore_emphasis = True
    converter.ignore_tables = True
    converter.unicode_snob = True
    text = converter.handle(body or "")
    text = text.replace("\u00a0", " ")
    text = "\n".join(line.rstrip() for line in text.splitlines())
    return _BLANKS.sub("\n\n", text).strip()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
