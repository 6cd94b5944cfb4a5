"""Import every module's tables so metadata (Alembic, tests) sees them all."""

from cityloop.accounts import models as accounts_models
from cityloop.accounts.notifications import models as accounts_notification_models
from cityloop.areas.divisions import models as areas_models
from cityloop.areas.elements import models as areas_element_models
from cityloop.areas.grids import models as areas_grid_models
from cityloop.areas.placement import models as areas_placement_models
from cityloop.audit import models as audit_models
from cityloop.cases import models as cases_models
from cityloop.cases.idempotency import models as cases_idempotency_models
from cityloop.cases.rollups import models as cases_rollup_models
from cityloop.channels.iot import models as channels_iot_models
from cityloop.channels.notify import models as channels_notify_models
from cityloop.channels.open311.client import models as channels_open311_client_models
from cityloop.channels.video import models as channels_video_models
from cityloop.governance.sharing.exports import models as governance_export_models
from cityloop.governance.sharing.keys import models as governance_key_models
from cityloop.governance.sharing.requests import models as governance_request_models
from cityloop.governance.sharing.resources import models as governance_resource_models
from cityloop.gridwork.checkins import models as gridwork_checkin_models
from cityloop.gridwork.points import models as gridwork_point_models
from cityloop.gridwork.tasks import models as gridwork_task_models
from cityloop.gridwork.visits import models as gridwork_visit_models
from cityloop.intel.alerts import models as intel_alert_models
from cityloop.intel.registry import models as intel_registry_models
from cityloop.kit.db import Base
from cityloop.kit.keys import models as kit_key_models
from cityloop.kit.schedule import models as kit_schedule_models
from cityloop.policy.accounts import models as policy_account_models
from cityloop.policy.fulfilment import models as policy_fulfilment_models
from cityloop.policy.matching import models as policy_match_models
from cityloop.policy.notices import models as policy_notice_models
from cityloop.policy.policies import models as policy_models
from cityloop.policy.registry import models as policy_registry_models
from cityloop.services.applications import models as services_application_models
from cityloop.services.bundles import models as services_bundle_models
from cityloop.services.evaluations import models as services_evaluation_models
from cityloop.services.items import models as services_item_models
from cityloop.services.places import models as services_place_models

__all__ = [
    "Base", "accounts_models",
    "accounts_notification_models", "areas_element_models", "areas_grid_models", "areas_models", "audit_models",
    "areas_placement_models", "cases_idempotency_models", "cases_models", "cases_rollup_models", "channels_iot_models",
    "channels_open311_client_models", "channels_notify_models", "channels_video_models",
    "governance_export_models", "governance_key_models", "governance_request_models",
    "governance_resource_models", "gridwork_checkin_models", "gridwork_point_models", "gridwork_task_models",
    "gridwork_visit_models", "intel_alert_models",
    "intel_registry_models", "kit_key_models", "kit_schedule_models", "policy_account_models",
    "policy_fulfilment_models", "policy_match_models", "policy_models", "policy_notice_models",
    "policy_registry_models", "services_application_models",
    "services_bundle_models", "services_evaluation_models", "services_item_models", "services_place_models",
]
