"""The map: regions coloured by vulnerability, report counts aggregated per region, open alerts as points.

Reads :mod:`tigapilar.risk`, :mod:`tigapilar.reports` and :mod:`tigapilar.alerts` through their scoped
views; nothing points back here. See :mod:`tigapilar.maps.layers`.
"""
