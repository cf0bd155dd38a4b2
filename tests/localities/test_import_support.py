"""Helpers for the import tests: the real NHS files, small files built to order, and the database's state."""

import datetime
import io
from pathlib import Path

from django.apps import apps

from localities.importing import Mode, practice_data_import
from localities.models import ImportRecord
from tests.localities.factories import CommissionerFactory

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"
NATIONAL_2021 = DATA / "gp-reg-pat-prac-all_01JAN2021.csv"
BNSSG_2021 = DATA / "gp-reg-pat-prac-all_01JAN2021_BNSSG_15C.csv"
EPRACCUR_2019 = DATA / "epraccur_2019-12_BNSSG.csv"
PAYMENTS_2017_18 = DATA / "nhspaymentsgp_17-18_BNSSG.csv"

CCG_HEADER = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS"
SUB_ICB_HEADER = (
    "PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,POSTCODE,SEX,AGE,"
    "NUMBER_OF_PATIENTS"
)


def whole_area(bnssg):
    """The four commissioners of the default area (11H, 11T, 12A and 15C); conftest's bnssg makes three."""
    CommissionerFactory(code="12A", name="NHS South Gloucestershire CCG", valid_to=datetime.date(2018, 3, 31))
    return bnssg


def list_size_line(code="L81004", patients="18910", commissioner="15C", date="01JAN2021", postcode="BS20 6AQ") -> str:
    return f"GP_PRAC_PAT_LIST,{date},GP,{commissioner},E38000222,{code},{postcode},ALL,ALL,{patients}"


def list_size_csv(*lines: str, header: str = CCG_HEADER, newline: str = "\r\n", bom: bool = False) -> bytes:
    text = newline.join([header, *lines]) + newline
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def run_import(content: bytes | Path, name: str = "upload.csv", mode: Mode = Mode.IMPORT, **kwargs) -> ImportRecord:
    if isinstance(content, Path):
        name = content.name if name == "upload.csv" else name
        content = content.read_bytes()
    return practice_data_import(io.BytesIO(content), file_name=name, mode=mode, **kwargs)


def database_state() -> dict[str, int]:
    """How many rows every model (history models included) holds, except the import records themselves."""
    skip = {"importrecord", "historicalimportrecord"}
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.model_name not in skip and model._meta.managed
    }
