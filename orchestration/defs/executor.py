"""The default executor of every job, chosen by settings (BENCHCRM_EXECUTOR): see orchestration/lib/executors.py."""

import dagster as dg

from orchestration.lib.executors import executor_for
from warehouse.settings import get_settings


@dg.definitions
def executor() -> dg.Definitions:
    return dg.Definitions(executor=executor_for(get_settings()))
