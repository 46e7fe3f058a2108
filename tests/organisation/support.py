"""A small Kaltim organisation as CSV files: police, army and village government in two cities."""

from __future__ import annotations

from pathlib import Path

from tigapilar.organisation.csv_import import import_officers_csv, import_units_csv
from tigapilar.storage.db import Database
from tps.support import write_csv

UNIT_HEADER = "code,name,agency,kind,parent_code,areas"
# Sub-units come before their parents on purpose: a file need not be ordered.
UNIT_ROWS = [
    "polres-64.71,Polresta Balikpapan,polri,polres,polda-64,64.71",
    "polsek-64.72.01,Polsek Palaran,polri,polsek,polres-64.72,64.72.01",
    "polres-64.72,Polresta Samarinda,Polri,Polres,polda-64,64.72",
    "polda-64,Polda Kalimantan Timur,polri,polda,,64",
    "kodim-0901,Kodim 0901/Samarinda,TNI AD,kodim,,64.72",
    "koramil-0901-01,Koramil Palaran,tni_ad,koramil,kodim-0901,64.72.01",
    "kel-64.72.01.1001,Kelurahan Rawa Makmur,pemda,kelurahan,,64.72.01.1001",
    "kel-64.71.01.1001,Kelurahan Manggar,pemda,kelurahan,,64.71.01.1001",
    "kpu-64.71,KPU Kota Balikpapan,kpu,kpu_kabkota,,64.71",
]
OFFICER_HEADER = "name,rank,nrp,nip,phone,unit_code,pillar,villages"
OFFICER_ROWS = [
    "Agus Salim,Bripka,85071234,,0812-3456-7890,polsek-64.72.01,bhabinkamtibmas,64.72.01.1001;64.72.01.1002",
    "Budi Santoso,Serka,21120012345,,+62 813 1111 2222,koramil-0901-01,babinsa,64.72.01.1001",
    "Citra Dewi,,,197001012000032001,0852 2222 3333,kel-64.72.01.1001,Kepala Desa/Lurah,64.72.01.1001",
    "Dodi Pratama,Aipda,88020001,,081144445555,polres-64.71,bhabinkamtibmas,64.71.01.1001",
    "Eko Wibowo,AKP,79010011,,,polres-64.72,,",
]
# name -> the city whose users may see the officer
CITY = {
    "Agus Salim": "64.72",
    "Budi Santoso": "64.72",
    "Citra Dewi": "64.72",
    "Dodi Pratama": "64.71",
    "Eko Wibowo": "64.72",
}


def import_organisation(db: Database, folder: Path) -> None:
    units = write_csv(folder / "units.csv", UNIT_HEADER, UNIT_ROWS)
    officers = write_csv(folder / "officers.csv", OFFICER_HEADER, OFFICER_ROWS)
    with db.session() as session:
        import_units_csv(session, units)
        import_officers_csv(session, officers)
