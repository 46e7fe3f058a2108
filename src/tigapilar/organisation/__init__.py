"""Organisation: units of Polri, TNI AD, Pemda, KPU and Bawaslu, and their officers, including the
three village pillars (Bhabinkamtibmas, Babinsa, Kepala Desa/Lurah)."""
