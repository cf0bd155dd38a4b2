"""A remittance advice as a PDF (ReportLab): what the payee's finance and the practices file with the payment.

ReportLab, not WeasyPrint: it installs from PyPI wheels alone (WeasyPrint needs Pango from the system's
packages), and its built-in Helvetica carries every character the advice uses (£, ×, en dash). Figures are
written by onecare.formats, the same words as on screen.
"""

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from onecare.formats import money, patients

from .remittances import Remittance

NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK_GREY = colors.HexColor("#425563")
NHS_PALE_GREY = colors.HexColor("#E8EDEE")
MARGIN = 18 * mm

_styles = getSampleStyleSheet()
BODY = ParagraphStyle("body", parent=_styles["Normal"], fontName="Helvetica", fontSize=9.5, leading=12.5)
SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11, textColor=NHS_DARK_GREY)
HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName="Helvetica-Bold", fontSize=12, leading=15, textColor=NHS_BLUE, spaceBefore=8
)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=10.5)
CELL_RIGHT = ParagraphStyle("cell-right", parent=CELL, alignment=TA_RIGHT)


def _p(text: str, style=BODY) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _date(day) -> str:
    return f"{day:%d/%m/%Y}" if day else "–"


def _header(canvas, doc) -> None:
    """The NHS-blue band across the top of every page, and the page number at the foot."""
    width, height = A4
    canvas.saveState()
    canvas.setFillColor(NHS_BLUE)
    canvas.rect(0, height - 24 * mm, width, 24 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    canvas.setFont("Helvetica-Bold", 18)
    canvas.drawString(MARGIN, height - 15 * mm, "Remittance advice")
    canvas.setFont("Helvetica", 9.5)
    canvas.drawRightString(width - MARGIN, height - 15 * mm, doc.advice_title)
    canvas.setFillColor(NHS_DARK_GREY)
    canvas.setFont("Helvetica", 8)
    canvas.drawString(MARGIN, 10 * mm, doc.advice_footer)
    canvas.drawRightString(width - MARGIN, 10 * mm, f"Page {doc.page}")
    canvas.restoreState()


def _grid(rows: list[list], widths: list[float], *, numeric_from: int, total_row: bool) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), NHS_BLUE),
        ("ALIGN", (numeric_from, 0), (-1, -1), "RIGHT"),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, NHS_PALE_GREY),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if total_row:
        style += [
            ("FONTNAME", (0, -1), (-1, -1), "Helvetica-Bold"),
            ("LINEABOVE", (0, -1), (-1, -1), 0.75, NHS_DARK_GREY),
        ]
    table.setStyle(TableStyle(style))
    return table


def _parties(advice: Remittance) -> Table:
    payee = [
        f"<b>Payee</b><br/>{escape(advice.payee)}",
        f"Locality: {escape(advice.locality.name)}",
        f"Supplier number: {escape(advice.supplier_number or '–')}",
        f"Bank reference: {escape(advice.bank_reference or '–')}",
    ]
    run = [
        f"<b>Payer</b><br/>{escape(advice.payer)}",
        f"Payment run: {escape(advice.reference)} ({escape(advice.run.name)})",
        f"Pay date: {_date(advice.pay_date)}",
        f"Paid on: {_date(advice.paid_on)}",
    ]
    if advice.run.cost_centre:
        run.append(f"Cost centre: {escape(advice.run.cost_centre)}")
    table = Table(
        [[Paragraph("<br/>".join(payee), BODY), Paragraph("<br/>".join(run), BODY)]],
        colWidths=[(A4[0] - 2 * MARGIN) / 2] * 2,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BOX", (0, 0), (0, 0), 0.5, NHS_PALE_GREY),
                ("BOX", (1, 0), (1, 0), 0.5, NHS_PALE_GREY),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return table


def _summary(advice: Remittance) -> Table:
    width = A4[0] - 2 * MARGIN
    rows = [["Reference", "Tranche", "Kind", "Amount"]]
    for item in advice.releases:
        rows.append(
            [
                _p(item.release.reference, CELL),
                _p(item.tranche_words, CELL),
                item.kind,
                money(item.release.amount),
            ]
        )
    rows.append(
        [
            f"Total paid: {len(advice.releases)} payment{'s' if len(advice.releases) != 1 else ''}",
            "",
            "",
            money(advice.total),
        ]
    )
    return _grid(rows, [width * 0.3, width * 0.42, width * 0.12, width * 0.16], numeric_from=3, total_row=True)


def _release(item) -> list:
    width = A4[0] - 2 * MARGIN
    release = item.release
    rows = [["Practice", "ODS code", "Patients", "Opted out", "Share"]]
    for line in item.lines:
        rows.append(
            [
                _p(line.practice.name, CELL),
                line.practice.code,
                patients(line.patients),
                "Opted out" if line.opted_out else "",
                money(line.amount),
            ]
        )
    rows.append(
        [f"{len(item.lines)} practice{'s' if len(item.lines) != 1 else ''}", "", "", "", money(item.lines_total)]
    )
    heading = f"{release.reference}: {item.tranche_words}" + (
        f" ({item.kind.lower()})" if item.kind != "Release" else ""
    )
    return [
        KeepTogether(
            [
                _p(heading, HEADING),
                _p(f"How much: {item.calculation}."),
                _p(f"Why: {item.why}"),
                Spacer(0, 2 * mm),
            ]
        ),
        _grid(
            rows,
            [width * 0.42, width * 0.14, width * 0.14, width * 0.13, width * 0.17],
            numeric_from=2,
            total_row=True,
        ),
    ]


def remittance_pdf(advice: Remittance) -> bytes:
    """The advice as a PDF: payer, payee and its payee record, the run, each release and its practices, totals."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=32 * mm,
        bottomMargin=18 * mm,
        title=f"Remittance advice: {advice.reference}, {advice.locality.name}",
        author=advice.payer,
        subject="Locality funding remittance advice",
        creator="BNSSG locality funding portal",
    )
    doc.advice_title = f"{advice.reference} to {advice.locality.name}"
    doc.advice_footer = f"BNSSG locality funding portal: printed {timezone.localtime():%d/%m/%Y %H:%M}"
    story = [
        _parties(advice),
        Spacer(0, 4 * mm),
        _p(
            f"{advice.payer} paid {advice.payee} {money(advice.total)} on {_date(advice.paid_on)} in payment run "
            f"{advice.reference}: the payments below, each worked out as rate per head × population and shared "
            "between the locality's member practices by their patients (the shares add up to the payment to the "
            "penny)."
        ),
        Spacer(0, 3 * mm),
        _summary(advice),
    ]
    for item in advice.releases:
        story += _release(item)
    story += [
        Spacer(0, 5 * mm),
        _p(
            f"Total paid to {advice.payee}: {money(advice.total)}; the practices' shares add up to "
            f"{money(advice.lines_total)}.",
            HEADING,
        ),
        _p(
            "Practices that opted out of the Locality Vehicle still count towards the locality's population, and the "
            "locality is funded on their behalf.",
            SMALL,
        ),
    ]
    doc.build(story, onFirstPage=_header, onLaterPages=_header)
    return out.getvalue()
