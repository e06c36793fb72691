"""Write the drafted 后勤工作总结 as a .docx the office opens and edits in Word or WPS.

Layout only: the words come from ``bot.texts.reports.draft``. Chinese documents set the
East Asian font separately from the Latin one (``w:eastAsia``); without it Word falls back
to a Latin face for hanzi. Body text is 宋体 小四 with a two-character first-line indent,
headings 黑体, as the seeds' summaries are typeset.
"""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt, RGBColor
from docx.text.run import Run

from bot.texts.reports import Draft

BODY_FONT = "宋体"
HEADING_FONT = "黑体"
BODY_SIZE = Pt(12)  # 小四
BLACK = RGBColor(0, 0, 0)


def _east_asian(run: Run, name: str) -> None:
    run.font.name = name
    r_pr = run._element.get_or_add_rPr()
    r_pr.get_or_add_rFonts().set(qn("w:eastAsia"), name)


def _text(document: DocumentObject, text: str, *, size: Pt = BODY_SIZE, font: str = BODY_FONT,
          bold: bool = False, center: bool = False, indent: bool = True) -> None:  # fmt: skip
    paragraph = document.add_paragraph()
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif indent:
        paragraph.paragraph_format.first_line_indent = Pt(size.pt * 2)
    paragraph.paragraph_format.line_spacing = 1.5
    run = paragraph.add_run(text)
    run.font.size = size
    run.font.bold = bold
    run.font.color.rgb = BLACK
    _east_asian(run, font)


def write_docx(draft: Draft) -> bytes:
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = BODY_FONT
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), BODY_FONT)
    document.core_properties.title = draft.title

    _text(document, draft.title, size=Pt(18), font=HEADING_FONT, bold=True, center=True)
    _text(document, draft.subtitle, size=Pt(10.5), center=True)
    _text(document, draft.intro)
    for section in draft.sections:
        heading = document.add_heading(level=1)
        run = heading.add_run(section.heading)
        run.font.size = Pt(14)
        run.font.color.rgb = BLACK
        _east_asian(run, HEADING_FONT)
        for paragraph in section.paragraphs:
            _text(document, paragraph)
    _text(document, draft.closing)

    if draft.tables:
        document.add_page_break()  # type: ignore[no-untyped-call]
        heading = document.add_heading(level=1)
        run = heading.add_run("附表")
        run.font.color.rgb = BLACK
        _east_asian(run, HEADING_FONT)
    for spec in draft.tables:
        _text(document, spec.title, font=HEADING_FONT, bold=True, indent=False)
        table = document.add_table(rows=1, cols=len(spec.header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, name in zip(table.rows[0].cells, spec.header, strict=True):
            cell.text = ""
            run = cell.paragraphs[0].add_run(name)
            run.font.bold = True
            _east_asian(run, HEADING_FONT)
        for values in spec.rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, values, strict=True):
                cell.text = ""
                _east_asian(cell.paragraphs[0].add_run(value), BODY_FONT)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
