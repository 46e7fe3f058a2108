"""The daily situation report (Laporan Situasi Harian): one area, one local day, as HTML and PDF."""
