"""Generated personal names for demo officers: plausible for Kalimantan, belonging to nobody."""

from __future__ import annotations

import random

_GIVEN = (
    "Agus Ahmad Andi Arif Bambang Budi Dedi Denny Dwi Eko Fajar Hadi Hendra Heru Imam Irwan Joko "
    "Kurniawan Lukman Made Muhammad Nanang Nur Rahmat Ridwan Rudi Rusdi Sapri Slamet Syahrani Taufik "
    "Wahyu Yohanes Yusuf Zainal Aditya Benediktus Daud Gusti Haji Ignatius Markus Paulus Petrus Stefanus "
    "Siti Sri Dewi Fitri Rina Nurul Yuliana Rahmawati"
).split()
_FAMILY = (
    "Saputra Setiawan Pratama Hidayat Nugroho Santoso Wijaya Kurniadi Halim Siregar Lumbantobing "
    "Rahman Syahputra Hasanuddin Anwar Mahmud Ismail Daeng Lolo Tingang Ajang Lawing Jalung Hanyeq "
    "Bilung Belawan Ngau Kueng Ledjie Aripin Usman Fadli Gazali Noor Arsyad Baharuddin Massa Tandi"
).split()

POLICE_RANKS = ("Brigpol", "Bripka", "Aipda", "Aiptu")
ARMY_RANKS = ("Sertu", "Serda", "Serka", "Serma", "Pelda")


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(_GIVEN)} {rng.choice(_FAMILY)}"
