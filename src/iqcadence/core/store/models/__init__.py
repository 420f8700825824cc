"""Every table of iqcadence. Importing this package registers them all on
`SQLModel.metadata`, which migrations, backup and restore walk.

Later capabilities add their tables in sibling modules and import them here.
"""

from iqcadence.core.store.models.alert_current import AlertUpkeep, CurrentAlert  # noqa: F401
from iqcadence.core.store.models.alerts import (  # noqa: F401
    AlertRule,
    AlertState,
    Connection,
    CustomerWatch,
    EventWebhook,
    OutboxEntry,
)
from iqcadence.core.store.models.api import (  # noqa: F401
    ApiCall,
    ApiKey,
    ApiReplay,
    UserClient,
)
from iqcadence.core.store.models.crm import (  # noqa: F401
    CustomerOwner,
    CustomFieldDefinition,
    CustomFieldValue,
    Lead,
    Opportunity,
)
from iqcadence.core.store.models.customer360 import (  # noqa: F401
    Contact,
    EventSignal,
    Playbook,
    PlaybookRun,
    Task,
    TimelineEvent,
)
from iqcadence.core.store.models.reports import ReportSchedule  # noqa: F401
from iqcadence.core.store.models.spine import (
    AuditEntry,
    Client,
    Customer,
    ScoreSnapshot,
    ScoringProfile,
    Setting,
    User,
)

__all__ = [
    "AuditEntry",
    "Client",
    "Customer",
    "ScoreSnapshot",
    "ScoringProfile",
    "Setting",
    "User",
]
