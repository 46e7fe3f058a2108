"""ORM tables, one module per capability.

Import from here: ``from tigapilar.storage.models import Region``.
"""

from tigapilar.storage.models.accounts import ApiToken, LoginFailure, User, UserArea
from tigapilar.storage.models.alerts import Alert, AlertEvent, AlertPlace, AlertReport, AlertRoute, Detection
from tigapilar.storage.models.base import Base, RegionCode
from tigapilar.storage.models.notifications import Delivery, DeliveryAttempt, Notification
from tigapilar.storage.models.organisation import Officer, OfficerVillage, Unit, UnitArea
from tigapilar.storage.models.regions import Region
from tigapilar.storage.models.reports import Attachment, Inbound, Report, ReportEvent, ReportSubmission
from tigapilar.storage.models.risk import RegionAttribute, RiskScore, RiskSnapshot, TpsAttribute
from tigapilar.storage.models.tps import Tps

__all__ = [
    "Alert",
    "AlertEvent",
    "AlertPlace",
    "AlertReport",
    "AlertRoute",
    "ApiToken",
    "Attachment",
    "Base",
    "Delivery",
    "DeliveryAttempt",
    "Detection",
    "Inbound",
    "LoginFailure",
    "Notification",
    "Officer",
    "OfficerVillage",
    "Region",
    "RegionAttribute",
    "RegionCode",
    "Report",
    "ReportEvent",
    "ReportSubmission",
    "RiskScore",
    "RiskSnapshot",
    "Tps",
    "TpsAttribute",
    "Unit",
    "UnitArea",
    "User",
    "UserArea",
]
