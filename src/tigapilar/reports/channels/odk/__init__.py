"""The ODK Collect channel: the report form (XLSForm kept as ``laporan.md``), the per-officer village
list, reading submitted instance XML, and the answers Collect gets. The HTTP side (OpenRosa
endpoints, authentication, multipart bodies) is :mod:`tigapilar.web.openrosa`; see docs/odk.md."""
